# Provenance of online-retail-queries.jsonl: each query written by hand, with the regular expressions over product
# descriptions that decide its graded relevance (2 = what the shopper asked for, 1 = a reasonable substitute), and
# for price queries the cap. Run: python3 make_queries.py ../../../../shared/data/online-retail-uci/products.csv
import csv, json, re, sys

NOT_GOODS = {"POST", "DOT", "M", "BANK CHARGES", "C2", "D", "CRUK", "AMAZONFEE", "S", "B", "PADS"}
Q = [
 # keyword: the shopper uses the catalogue's own words
 ("hot water bottle", "keyword", r"HOT WATER BOTTLE", r"HAND WARMER", None),
 ("doormat", "keyword", r"DOORMAT|DOOR MAT", None, None),
 ("lunch bag", "keyword", r"LUNCH BAG", r"LUNCH BOX|LUNCHBOX", None),
 ("cake stand", "keyword", r"CAKE STAND|CAKESTAND", r"CAKE PLATE|CAKE TIN", None),
 ("alarm clock", "keyword", r"ALARM CLOCK", r"CLOCK", None),
 ("tea light holder", "keyword", r"(T-LIGHT|TEA ?LIGHT|TLIGHT).*HOLDER", r"T-LIGHT|TEALIGHT|CANDLE HOLDER|CANDLEHOLDER", None),
 ("jam making set", "keyword", r"JAM MAKING SET", r"JAM JAR|JAM ", None),
 ("wall clock", "keyword", r"WALL CLOCK", r"CLOCK", None),
 ("paper chain kit", "keyword", r"PAPER CHAIN KIT", r"PAPER CHAIN", None),
 ("bunting", "keyword", r"BUNTING", r"GARLAND", None),
 ("umbrella", "keyword", r"UMBRELLA", r"PARASOL", None),
 ("photo frame", "keyword", r"PHOTO FRAME|PICTURE FRAME", r"FRAME", None),
 ("key ring", "keyword", r"KEY ?RING|KEYRING", r"KEY FOB|KEY CHAIN", None),
 ("jigsaw puzzle", "keyword", r"JIGSAW", r"PUZZLE", None),
 ("playing cards", "keyword", r"PLAYING CARDS", r"CARD GAME", None),
 ("white hanging heart t-light holder", "keyword", r"WHITE HANGING HEART T-LIGHT HOLDER", r"HANGING HEART|HEART T-LIGHT", None),
 # paraphrase: a need in the shopper's words, no product name
 ("something to dry the dishes with", "paraphrase", r"TEA TOWEL|DISH ?CLOTH|KITCHEN TOWEL|DRYING", r"TOWEL", None),
 ("somewhere to hang jackets by the front door", "paraphrase", r"COAT (RACK|HANGER|HOOK)|HOOKS|COAT PEG|PEG RACK", r"HOOK|HANGER|RACK", None),
 ("keep my tea hot in the pot", "paraphrase", r"TEA COSY|COSY", r"TEAPOT|TEA POT", None),
 ("stop the door from slamming shut", "paraphrase", r"DOORSTOP|DOOR STOP", None, None),
 ("wipe my feet before coming inside", "paraphrase", r"DOORMAT|DOOR MAT", r"\bMAT\b", None),
 ("warm my bed on a cold night", "paraphrase", r"HOT WATER BOTTLE", r"WARMER|BLANKET|THROW|BED", None),
 ("something for the kids to colour in", "paraphrase", r"COLOURING|COLORING|CRAYON|COLOUR PENCIL|COLOURED PENCIL", r"PENCILS|CHALK|SKETCHBOOK|DRAWING|PAINT", None),
 ("wake me up in the morning", "paraphrase", r"ALARM CLOCK", r"CLOCK", None),
 ("carry my sandwiches to work", "paraphrase", r"LUNCH BAG|LUNCH BOX|LUNCHBOX|SNACK BOX|FOOD CONTAINER|SANDWICH", r"PICNIC|FOOD|SNACK|BOTTLE", None),
 ("wrap up a birthday present", "paraphrase", r"WRAP\b|GIFT WRAP|WRAPPING|GIFT BAG|TISSUE PAPER", r"RIBBON|GIFT TAG|BIRTHDAY CARD|GIFT BOX", None),
 ("light up the garden at night", "paraphrase", r"GARDEN.*LIGHT|LANTERN|SOLAR|STRING LIGHTS|FAIRY LIGHTS|LIGHT CHAIN|LIGHTS", r"CANDLE|T-LIGHT|TEALIGHT", None),
 ("things to hang on the christmas tree", "paraphrase", r"CHRISTMAS.*(DECORATION|BAUBLE|HANGING|ORNAMENT)|BAUBLE|TREE DECORATION|HANGING.*(CHRISTMAS|XMAS|STAR|ANGEL)", r"CHRISTMAS|XMAS", None),
 ("bake little cakes for a party", "paraphrase", r"CAKE CASES|CUPCAKE|CUP CAKE|BAKING CASES|FAIRY CAKE", r"BAKING|CAKE", None),
 ("store my earrings and rings", "paraphrase", r"JEWELLERY BOX|JEWELRY BOX|TRINKET BOX|RING BOX|JEWELLERY STAND|JEWELLERY|TRINKET", r"EARRING|RING\b", None),
 ("water the plants on the windowsill", "paraphrase", r"WATERING CAN", r"PLANT|\bPOT\b|PLANTER", None),
 ("a place to put my keys when I get home", "paraphrase", r"KEY (CABINET|HOLDER|HOOK|RACK|BOX|TIDY)|KEY CUPBOARD|KEYS", r"\bKEY\b|HOOK", None),
 ("paper plates and cups for a children's party", "paraphrase", r"PAPER PLATE|PAPER CUP|PARTY (PLATE|CUP)|PLATES|CUPS", r"PARTY|NAPKIN", None),
 ("shade from the sun at the beach", "paraphrase", r"PARASOL|UMBRELLA|SUN HAT|SUNGLASSES", r"BEACH", None),
 ("make the room smell nice", "paraphrase", r"SCENTED|INCENSE|FRAGRANCE|OIL BURNER|DIFFUSER|SCENT|POT POURRI|POTPOURRI|LAVENDER", r"CANDLE|SOAP", None),
 ("something soft to lean on in the sofa", "paraphrase", r"CUSHION", r"THROW|BLANKET|PILLOW", None),
 ("jot down my shopping list", "paraphrase", r"NOTEBOOK|NOTE ?PAD|MEMO|SHOPPING LIST|NOTE BOOK|PAD\b|LIST", r"PENCIL|\bPEN\b|NOTE", None),
 ("say thank you to a friend by post", "paraphrase", r"THANK YOU|GREETING CARD|CARD\b|CARDS\b", r"ENVELOPE|POSTCARD|STATIONERY", None),
 ("save coins for a holiday", "paraphrase", r"MONEY BOX|MONEY BANK|PIGGY|SAVINGS|COIN", r"PURSE|WALLET|MONEY", None),
 ("keep biscuits fresh", "paraphrase", r"BISCUIT TIN|CAKE TIN|STORAGE TIN|STORAGE JAR|COOKIE JAR|BISCUIT JAR|AIRTIGHT", r"\bTIN\b|\bJAR\b|CONTAINER|STORAGE", None),
 ("keep track of dates and appointments", "paraphrase", r"CALENDAR|DIARY|PLANNER", r"NOTEBOOK|CLOCK", None),
 ("something to serve afternoon tea on", "paraphrase", r"CAKE STAND|CAKESTAND|TIER|TEA SET|SERVING|TRAY|PLATE", r"TEA|SAUCER|CUP", None),
 ("cover my clothes while cooking", "paraphrase", r"APRON", r"OVEN GLOVE|KITCHEN", None),
 ("hold my toothbrush in the bathroom", "paraphrase", r"TOOTHBRUSH|BATHROOM.*(HOLDER|BEAKER|CUP|TUMBLER)|BEAKER|TUMBLER", r"BATHROOM|SALLE DE BAIN", None),
 ("grab my hot pans without burning my hands", "paraphrase", r"OVEN GLOVE|OVEN MITT|POT HOLDER|POTHOLDER|TRIVET", r"GLOVE|KITCHEN", None),
 ("help the birds in winter", "paraphrase", r"BIRD ?FEEDER|BIRD ?HOUSE|BIRD ?TABLE|NESTING|BIRD SEED|FEEDER", r"BIRD", None),
 ("a gift for someone who loves gardening", "paraphrase", r"GARDEN|GARDENER|GARDENERS|TROWEL|SEED|KNEELING|WATERING", r"PLANT|FLOWER POT|HERB", None),
 # price: a cap written in the words (relevant only when within it)
 ("candles under £1", "price", r"CANDLE", None, 1.0),
 ("tea towels less than £3", "price", r"TEA TOWEL", None, 3.0),
 ("doormat under 8 pounds", "price", r"DOORMAT|DOOR MAT", None, 8.0),
 ("wall clock under £5", "price", r"WALL CLOCK", r"CLOCK", 5.0),
 ("greeting cards under 50p", "price", r"CARD\b|CARDS\b", None, 0.5),
 ("cake stand under £10", "price", r"CAKE STAND|CAKESTAND", None, 10.0),
 ("christmas decorations under £1", "price", r"CHRISTMAS.*(DECORATION|BAUBLE|HANGING|ORNAMENT)|BAUBLE|CHRISTMAS TREE", r"CHRISTMAS|XMAS", 1.0),
 ("a mug for less than £2", "price", r"\bMUG\b|\bMUGS\b", r"\bCUP\b|BEAKER", 2.0),
 ("umbrella under £5", "price", r"UMBRELLA", None, 5.0),
 ("cheap lunch bags", "price", r"LUNCH BAG", r"LUNCH BOX", 2.0),
 ("photo frame between £2 and £5", "price", r"PHOTO FRAME|PICTURE FRAME", r"FRAME", 5.0),
 # attribute: colour, pattern or material in the words
 ("red spotty paper napkins", "attribute", r"RED.*(RETROSPOT|SPOT).*NAPKIN|RETROSPOT.*NAPKIN", r"NAPKIN|RETROSPOT", None),
 ("blue polka dot bowl", "attribute", r"BLUE.*POLKADOT.*BOWL|POLKADOT.*BOWL.*BLUE|BOWL.*BLUE.*POLKADOT", r"POLKADOT|BLUE.*BOWL", None),
 ("pink necklace", "attribute", r"PINK.*NECKLACE|NECKLACE.*PINK", r"NECKLACE", None),
 ("silver candle holder", "attribute", r"SILVER.*(CANDLE ?HOLDER|T-LIGHT|TEALIGHT|CANDLESTICK)", r"CANDLE ?HOLDER|T-LIGHT HOLDER|SILVER", None),
 ("zinc garden planter", "attribute", r"ZINC.*(PLANTER|POT|BUCKET|WATERING)", r"ZINC", None),
 ("wooden heart decoration", "attribute", r"WOOD(EN)?.*HEART|HEART.*WOOD", r"WOODEN|HEART.*DECORATION", None),
 ("small glass vase for flowers", "attribute", r"GLASS.*VASE|VASE.*GLASS|GLASS.*POSY|BOTTLE VASE", r"VASE|POSY", None),
 ("ceramic storage jar", "attribute", r"CERAMIC.*JAR|JAR.*CERAMIC|STORAGE JAR", r"\bJAR\b|CERAMIC", None),
]

def main(path):
    products = [r for r in csv.DictReader(open(path, encoding="utf-8")) if r["stock_code"] not in NOT_GOODS and r["description"]]
    out = []
    for query, kind, two, one, cap in Q:
        rel = {}
        low = None
        if kind == "price" and "between" in query:
            low = 2.0
        for p in products:
            d = p["description"].upper()
            price = float(p["median_unit_price_gbp"] or 0)
            if cap is not None and (price > cap or (low is not None and price < low)):
                continue
            if re.search(two, d):
                rel[p["stock_code"]] = 2
            elif one and re.search(one, d):
                rel[p["stock_code"]] = 1
        out.append({"query": query, "type": kind, "relevant": rel})
        print(f"{len([v for v in rel.values() if v==2]):4} {len([v for v in rel.values() if v==1]):4}  {kind:10} {query}", file=sys.stderr)
    with open("online-retail-queries.jsonl", "w", encoding="utf-8") as f:
        for o in out:
            f.write(json.dumps(o) + "\n")

main(sys.argv[1])
