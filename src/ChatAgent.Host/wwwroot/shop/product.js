// The product page of the demo shop: fills itself from /demo/products/{id} (an external file: the page's CSP allows no inline script).
(async () => {
  const id = decodeURIComponent(location.pathname.split('/').pop() || '');
  const name = document.querySelector('[data-product-name]');
  const response = await fetch('/demo/products/' + encodeURIComponent(id));
  if (!response.ok) { name.textContent = 'Product not found'; return; }
  const data = await response.json();
  document.title = data.product.name + ' — Harbor & Pine';
  name.textContent = data.product.name;
  document.querySelector('[data-product-price]').textContent = data.product.price;
  document.querySelector('[data-product-description]').textContent = data.description || '';
  const rows = document.querySelector('[data-product-variants]');
  for (const v of data.variants) {
    const tr = document.createElement('tr');
    for (const text of [v.options, v.price, v.available ? 'In stock' : 'Out of stock']) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    rows.append(tr);
  }
})();
