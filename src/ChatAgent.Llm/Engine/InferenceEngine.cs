using System.Text;
using System.Threading.Channels;
using LLama;
using LLama.Common;
using LLama.Native;
using LLama.Sampling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatAgent.Llm.Engine;

/// <summary>
/// Decodes many conversations together in one llama.cpp context with continuous batching, keeping each
/// conversation's KV cache between turns.
/// </summary>
/// <remarks>
/// Every native call (context creation, decode, sampling, KV operations, freeing) runs synchronously on
/// <see cref="LlamaThread"/>, the one thread of the process that calls into llama.cpp, in steps of <see cref="Pump"/>:
/// LLamaSharp's BatchedExecutor hops to the thread pool for every decode, which costs 35–40% of generation speed on 2
/// cores (see ENVIRONMENT.md), and a second graph-leading thread slows every decode (see <see cref="LlamaThread"/>).
/// The KV cache is unified, so sequences
/// that share a prefix share its cells (llama_memory_seq_cp) and the memory budget is <see cref="EngineSettings.ContextSize"/>
/// tokens over all conversations.
/// </remarks>
internal sealed class InferenceEngine : IDisposable, INativeWorker
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly EngineSettings _settings;
    private readonly ILogger _logger;
    private readonly Slot[] _slots;
    private readonly LinkedList<Active> _pending = new();
    private readonly List<Active> _active = [];
    private readonly object _gate = new();
    private readonly LLamaBatch _batch = new();
    private volatile bool _stopping;
    private int _inFlight;
    private long _clock;
    private long _promptProcessed, _cachedReused, _sharedPrefix, _generated, _requests, _busy, _evictions;

    public InferenceEngine(LLamaWeights weights, string modelPath, EngineSettings settings, ILogger? logger = null)
    {
        _weights = weights;
        _settings = settings;
        _logger = logger ?? NullLogger.Instance;
        var threads = settings.Threads > 0 ? settings.Threads : Environment.ProcessorCount;
        var seqMax = (uint)(settings.MaxConcurrent + Math.Max(1, settings.CachedConversations));
        var p = new ModelParams(modelPath)
        {
            ContextSize = (uint)settings.ContextSize,
            BatchSize = (uint)settings.BatchSize,
            UBatchSize = (uint)settings.BatchSize,
            SeqMax = seqMax,
            Threads = threads,
            BatchThreads = threads,
            KVUnified = true,
            FlashAttention = settings.FlashAttention,
        };
        _context = LlamaThread.Invoke(() =>
        {
            var context = weights.CreateContext(p);
            LlamaThread.Guard(context.NativeHandle);
            return context;
        });
        ContextSize = LlamaThread.Invoke(() => (int)_context.ContextSize);
        _slots = [.. Enumerable.Range(0, (int)seqMax).Select(i => new Slot((LLamaSeqId)i))];
        LlamaThread.Register(this);
    }

    /// <summary>KV cells of the context (read once on the llama thread).</summary>
    public int ContextSize { get; }

    public LLamaWeights Weights => _weights;

    public EngineCounters Counters
    {
        get
        {
            lock (_gate)
                return new EngineCounters(
                    Interlocked.Read(ref _promptProcessed), Interlocked.Read(ref _cachedReused), Interlocked.Read(ref _sharedPrefix),
                    Interlocked.Read(ref _generated), Interlocked.Read(ref _requests), Interlocked.Read(ref _busy), Interlocked.Read(ref _evictions),
                    _active.Count, _pending.Count, _slots.Count(s => s.Tokens.Count > 0 && s.Owner is null));
        }
    }

    /// <summary>
    /// Tokenizes on the caller's thread: llama_tokenize reads only the vocabulary (no context, no ggml graph), so callers
    /// tokenize in parallel without holding up decoding (LlamaThreadTests checks that such a thread leads no graph).
    /// </summary>
    public LLamaToken[] Tokenize(string text) => _weights.Tokenize(text, add_bos: false, special: true, Encoding.UTF8);

    /// <summary>Queues a request; throws <see cref="ModelBusyException"/> when every slot and queue place is taken.</summary>
    public Generation Submit(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (request.Prompt.Count == 0) throw new ArgumentException("The prompt is empty.", nameof(request));
        if (request.Prompt.Count >= ContextSize)
            throw new ArgumentException($"The prompt has {request.Prompt.Count} tokens; the context holds {ContextSize}. Shorten the conversation or raise Model:ContextSize.", nameof(request));
        cancellationToken.ThrowIfCancellationRequested();
        var a = new Active(request, cancellationToken);
        lock (_gate)
        {
            if (_inFlight >= _settings.MaxConcurrent + _settings.QueueLength)
            {
                _busy++;
                throw new ModelBusyException(_active.Count, _pending.Count);
            }
            _inFlight++;
            a.Node = _pending.AddLast(a);
        }
        a.Registration = cancellationToken.Register(() => Cancel(a));
        LlamaThread.Wake();
        return new Generation(a.Channel.Reader, a.Completion.Task);
    }

    private void Cancel(Active a)
    {
        lock (_gate)
        {
            a.Cancelled = true;
            if (a.Node is { List: not null } node)
            {
                // Still waiting: free its queue place at once.
                _pending.Remove(node);
                a.Node = null;
                _inFlight--;
                a.Fail(new OperationCanceledException(a.Token));
                return;
            }
        }
        LlamaThread.Wake();
    }

    /// <summary>One scheduling step on the llama thread: admit waiting requests, drop cancelled ones, decode one batch.</summary>
    /// <returns>False when the engine had nothing to do.</returns>
    public bool Pump()
    {
        LlamaThread.EnsureCurrent();
        if (_stopping) return false;
        try
        {
            Admit();
            RemoveCancelled();
            if (_active.Count == 0) return false;
            Step(_batch);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Inference step failed; failing {Count} active requests", _active.Count);
            foreach (var a in _active.ToList()) Finish(a, e);
        }
        return true;
    }

    /// <summary>Benchmarks only: sample every token with LLamaSharp's native chains, as before the managed samplers.</summary>
    internal static bool NativeSamplingOnly { get; set; }

    private static NativeSampler NativeSamplerFor(GenerationRequest r) => new(r.Sampling.Temperature <= 0 && r.Grammar is null && r.LogitBias is null
        ? new GreedySamplingPipeline()
        : new DefaultSamplingPipeline
        {
            Temperature = r.Sampling.Temperature, TopP = r.Sampling.TopP, TopK = r.Sampling.TopK, MinP = r.Sampling.MinP, Seed = r.Sampling.Seed,
            Grammar = r.Grammar is { } g ? new Grammar(g, "root") : null,
            LogitBias = r.LogitBias ?? new Dictionary<LLamaToken, float>(),
        });

    /// <summary>Decodes a batch on this engine's context; only on the llama thread.</summary>
    internal DecodeResult Decode(LLamaBatch batch)
    {
        LlamaThread.EnsureCurrent();
        return _context.NativeHandle.Decode(batch);
    }

    /// <summary>The llama.cpp context, for tests of the thread guard.</summary>
    internal SafeLLamaContextHandle NativeContext => _context.NativeHandle;

    private void Admit()
    {
        while (_active.Count < _settings.MaxConcurrent)
        {
            Active a;
            lock (_gate)
            {
                if (_pending.First is not { } first) return;
                a = first.Value;
                _pending.RemoveFirst();
                a.Node = null;
            }
            Interlocked.Increment(ref _requests);
            try
            {
                AssignSlot(a);
                a.Pipeline = NativeSamplingOnly ? NativeSamplerFor(a.Request) : TokenSamplers.Create(a.Request);
                a.Decoder = new StreamingTokenDecoder(Encoding.UTF8, _weights);
                _active.Add(a);
            }
            catch (Exception e)
            {
                Release(a);
                a.Fail(e);
            }
        }
    }

    /// <summary>
    /// Gives the request a sequence whose cache matches the longest prefix of its prompt: its own conversation's slot
    /// when the cache is a prefix of the prompt (or the caller's conversation id matches), otherwise a fresh slot that
    /// starts from a copy of the best shared prefix found in any other sequence.
    /// </summary>
    private void AssignSlot(Active a)
    {
        var prompt = a.Request.Prompt;
        var maxReuse = prompt.Count - 1; // at least one token must be evaluated to get logits
        Slot? own = null;
        var ownLcp = 0;
        Slot? source = null;
        var sourceLcp = 0;
        foreach (var s in _slots)
        {
            if (s.Tokens.Count == 0) continue;
            var lcp = Math.Min(CommonPrefix(s.Tokens, prompt), maxReuse);
            if (s.Owner is null)
            {
                var continues = lcp == s.Tokens.Count || (a.Request.ConversationId is { } id && id == s.ConversationId && lcp > 0);
                if (continues && lcp > ownLcp) { own = s; ownLcp = lcp; }
            }
            if (lcp > sourceLcp) { source = s; sourceLcp = lcp; }
        }

        Slot target;
        int reuse;
        if (own is not null && ownLcp >= sourceLcp)
        {
            target = own;
            reuse = ownLcp;
        }
        else
        {
            target = _slots.FirstOrDefault(s => s.Owner is null && s.Tokens.Count == 0)
                     ?? (source is { Owner: null } ? source : null)
                     ?? _slots.Where(s => s.Owner is null).MinBy(s => s.LastUsed)
                     ?? throw new InvalidOperationException("No free sequence slot.");
            if (target != source && target.Tokens.Count > 0)
            {
                Interlocked.Increment(ref _evictions);
                Clear(target);
            }
            reuse = 0;
            if (source is not null && sourceLcp > 0)
            {
                if (source != target)
                {
                    _context.NativeHandle.MemorySequenceCopy(source.Id, target.Id, 0, sourceLcp);
                    target.Tokens.Clear();
                    target.Tokens.AddRange(source.Tokens.Take(sourceLcp));
                    Interlocked.Add(ref _sharedPrefix, sourceLcp);
                }
                reuse = sourceLcp;
            }
        }
        Truncate(target, reuse);
        target.Owner = a;
        target.ConversationId = a.Request.ConversationId;
        a.Slot = target;
        a.PromptPos = reuse;
        a.Cached = reuse;
        Interlocked.Add(ref _cachedReused, reuse);
    }

    private void Truncate(Slot s, int length)
    {
        if (s.Tokens.Count <= length) return;
        _context.NativeHandle.MemorySequenceRemove(s.Id, length, -1);
        s.Tokens.RemoveRange(length, s.Tokens.Count - length);
    }

    private void Clear(Slot s)
    {
        _context.NativeHandle.MemorySequenceRemove(s.Id, -1, -1);
        s.Tokens.Clear();
        s.ConversationId = null;
    }

    private static int CommonPrefix(List<LLamaToken> a, IReadOnlyList<LLamaToken> b)
    {
        var n = Math.Min(a.Count, b.Count);
        var i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }

    private void RemoveCancelled()
    {
        foreach (var a in _active.Where(a => a.Cancelled).ToList())
            Finish(a, new OperationCanceledException(a.Token));
    }

    private void Step(LLamaBatch batch)
    {
        batch.Clear();
        var budget = _settings.BatchSize;
        foreach (var a in _active)
        {
            a.LogitsIndex = -1;
            a.Feeding = 0;
            if (a.Next is { } token)
            {
                a.LogitsIndex = batch.Add(token, a.Slot!.Tokens.Count, a.Slot.Id, true);
                budget--;
            }
        }
        foreach (var a in _active)
        {
            if (budget <= 0) break;
            var remaining = a.Request.Prompt.Count - a.PromptPos;
            if (a.Next is not null || remaining <= 0) continue;
            var n = Math.Min(remaining, budget);
            var start = a.Slot!.Tokens.Count;
            for (var i = 0; i < n; i++)
            {
                var last = a.PromptPos + i == a.Request.Prompt.Count - 1;
                var index = batch.Add(a.Request.Prompt[a.PromptPos + i], start + i, a.Slot.Id, last);
                if (last) a.LogitsIndex = index;
            }
            a.Feeding = n;
            budget -= n;
        }

        DecodeResult result;
        while ((result = Decode(batch)) == DecodeResult.NoKvSlot)
        {
            if (!EvictLeastRecentlyUsed())
            {
                // Nothing idle left to evict: the longest active conversation cannot continue.
                var victim = _active.MaxBy(a => a.Slot!.Tokens.Count + a.Feeding)!;
                Finish(victim, new InvalidOperationException(
                    $"The model's context ({ContextSize} tokens, Model:ContextSize) is full; the conversation is too long for the concurrent load."));
                return;
            }
        }
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode failed: {result}");

        foreach (var a in _active)
        {
            if (a.Next is { } t)
            {
                a.Slot!.Tokens.Add(t);
                a.Next = null;
            }
            else if (a.Feeding > 0)
            {
                for (var i = 0; i < a.Feeding; i++) a.Slot!.Tokens.Add(a.Request.Prompt[a.PromptPos + i]);
                a.PromptPos += a.Feeding;
                Interlocked.Add(ref _promptProcessed, a.Feeding);
            }
        }

        foreach (var a in _active.ToList())
        {
            if (a.LogitsIndex < 0) continue;
            LLamaToken token;
            try
            {
                token = a.Pipeline!.Sample(_context.NativeHandle, a.LogitsIndex);
            }
            catch (Exception e)
            {
                Finish(a, e);
                continue;
            }
            if (token.IsEndOfGeneration(_weights.Vocab))
            {
                Finish(a, null, GenerationFinish.Stop);
                continue;
            }
            a.Output++;
            Interlocked.Increment(ref _generated);
            a.Decoder!.Add(token);
            a.Text.Append(a.Decoder.Read());
            if (a.CheckStop())
            {
                Finish(a, null, GenerationFinish.Stop);
                continue;
            }
            a.EmitSafe();
            if (a.Output >= a.Request.MaxTokens || a.Slot!.Tokens.Count + 1 >= ContextSize)
            {
                Finish(a, null, GenerationFinish.Length);
                continue;
            }
            a.Next = token;
        }
    }

    private bool EvictLeastRecentlyUsed()
    {
        var victim = _slots.Where(s => s.Owner is null && s.Tokens.Count > 0).MinBy(s => s.LastUsed);
        if (victim is null) return false;
        Interlocked.Increment(ref _evictions);
        Clear(victim);
        return true;
    }

    private void Finish(Active a, Exception? error, GenerationFinish finish = GenerationFinish.Stop)
    {
        _active.Remove(a);
        Release(a);
        if (error is not null)
        {
            a.Fail(error);
            return;
        }
        a.EmitAll();
        a.Channel.Writer.TryComplete();
        a.Completion.TrySetResult(new GenerationResult(a.Text.ToString(), a.Request.Prompt.Count, a.Cached, a.Output, finish));
    }

    private void Release(Active a)
    {
        if (a.Slot is { } s)
        {
            s.Owner = null;
            s.LastUsed = ++_clock;
            a.Slot = null;
        }
        a.Pipeline?.Dispose();
        a.Registration.Dispose();
        lock (_gate) _inFlight--;
        EnforceCacheBudget();
    }

    private void EnforceCacheBudget()
    {
        while (_slots.Where(s => s.Owner is null).Sum(s => s.Tokens.Count) > _settings.CacheTokens && EvictLeastRecentlyUsed())
        {
        }
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        LlamaThread.Invoke(() =>
        {
            LlamaThread.Unregister(this);
            lock (_gate)
            {
                foreach (var a in _pending) a.Fail(new ObjectDisposedException(nameof(InferenceEngine)));
                _pending.Clear();
            }
            foreach (var a in _active.ToList()) Finish(a, new ObjectDisposedException(nameof(InferenceEngine)));
            _context.Dispose();
        });
    }

    private sealed class Slot(LLamaSeqId id)
    {
        public LLamaSeqId Id { get; } = id;
        /// <summary>Tokens whose KV entries this sequence holds, at positions 0..Count-1.</summary>
        public List<LLamaToken> Tokens { get; } = [];
        public Active? Owner { get; set; }
        public string? ConversationId { get; set; }
        public long LastUsed { get; set; }
    }

    private sealed class Active(GenerationRequest request, CancellationToken token)
    {
        private readonly int _holdBack = request.StopSequences.Count == 0 ? 0 : request.StopSequences.Max(s => s.Length) - 1;
        private int _emitted;

        public GenerationRequest Request { get; } = request;
        public CancellationToken Token { get; } = token;
        public Channel<string> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        public TaskCompletionSource<GenerationResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration Registration { get; set; }
        public LinkedListNode<Active>? Node { get; set; }
        public volatile bool Cancelled;
        public Slot? Slot { get; set; }
        public ITokenSampler? Pipeline { get; set; }
        public StreamingTokenDecoder? Decoder { get; set; }
        public StringBuilder Text { get; } = new();
        public int PromptPos { get; set; }
        public int Cached { get; set; }
        public int Feeding { get; set; }
        public int LogitsIndex { get; set; } = -1;
        public LLamaToken? Next { get; set; }
        public int Output { get; set; }

        public bool CheckStop()
        {
            if (Request.StopSequences.Count == 0) return false;
            var text = Text.ToString();
            var from = Math.Max(0, _emitted - _holdBack - 1);
            var cut = -1;
            foreach (var stop in Request.StopSequences)
            {
                var i = text.IndexOf(stop, from, StringComparison.Ordinal);
                if (i >= 0 && (cut < 0 || i < cut)) cut = i;
            }
            if (cut < 0) return false;
            Text.Length = cut;
            return true;
        }

        /// <summary>Emits text that can no longer turn out to be the start of a stop sequence.</summary>
        public void EmitSafe()
        {
            var safe = Text.Length - _holdBack;
            if (safe > _emitted) Emit(safe);
        }

        public void EmitAll()
        {
            if (Text.Length > _emitted) Emit(Text.Length);
        }

        private void Emit(int upTo)
        {
            Channel.Writer.TryWrite(Text.ToString(_emitted, upTo - _emitted));
            _emitted = upTo;
        }

        public void Fail(Exception e)
        {
            Channel.Writer.TryComplete(e);
            if (e is OperationCanceledException oce) Completion.TrySetCanceled(oce.CancellationToken);
            else Completion.TrySetException(e);
        }
    }
}
