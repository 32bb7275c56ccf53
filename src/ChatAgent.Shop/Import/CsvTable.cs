using Microsoft.VisualBasic.FileIO;

namespace ChatAgent.Shop.Import;

/// <summary>
/// Reads a CSV file with a header row, record by record, with the line number of each record and how far through
/// the file it is. Parsing is the BCL's <see cref="TextFieldParser"/> (quoted fields, embedded commas and line breaks,
/// as in Shopify's HTML bodies); this class only adds header lookup and progress.
/// </summary>
public sealed class CsvTable : IDisposable
{
    private readonly FileStream _stream;
    private readonly TextFieldParser _parser;
    private readonly Dictionary<string, int> _columns;

    public CsvTable(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"File not found: {path}", path);
        }
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        _parser = new TextFieldParser(_stream, System.Text.Encoding.UTF8, detectEncoding: true)
        {
            TextFieldType = FieldType.Delimited,
            HasFieldsEnclosedInQuotes = true,
            TrimWhiteSpace = false,
        };
        _parser.SetDelimiters(",");
        Header = _parser.ReadFields() ?? throw new InvalidDataException($"{path} is empty: a header row is expected.");
        _columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Header.Length; i++)
        {
            _columns.TryAdd(Header[i].Trim(), i);
        }
        Path = path;
    }

    public string Path { get; }
    public string[] Header { get; }
    public long Length => _stream.Length;

    /// <summary>Bytes consumed so far (read-ahead included), for progress and ETA.</summary>
    public long Position => _stream.Position;

    /// <summary>The first of <paramref name="names"/> that is a column, as its index; -1 when none is.</summary>
    public int Column(params string[] names)
    {
        foreach (var name in names)
        {
            if (_columns.TryGetValue(name, out var index))
            {
                return index;
            }
        }
        return -1;
    }

    /// <summary>Next record with its 1-based line number; a malformed line comes back as an error instead of stopping the read.</summary>
    public bool TryRead(out CsvRecord record)
    {
        while (!_parser.EndOfData)
        {
            var line = _parser.LineNumber;
            try
            {
                var fields = _parser.ReadFields();
                if (fields is null || (fields.Length == 1 && string.IsNullOrWhiteSpace(fields[0])))
                {
                    continue;
                }
                record = new CsvRecord(line, fields, null);
                return true;
            }
            catch (MalformedLineException e)
            {
                record = new CsvRecord(line, [], $"malformed CSV: {e.Message}");
                return true;
            }
        }
        record = default;
        return false;
    }

    public void Dispose()
    {
        _parser.Dispose();
        _stream.Dispose();
    }
}

/// <summary>One CSV record; <see cref="Error"/> is set when the line could not be parsed.</summary>
public readonly record struct CsvRecord(long Line, string[] Fields, string? Error)
{
    /// <summary>The trimmed field at <paramref name="column"/>, or null when the column is absent or empty.</summary>
    public string? this[int column] => column >= 0 && column < Fields.Length && !string.IsNullOrWhiteSpace(Fields[column]) ? Fields[column].Trim() : null;
}
