using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LLama.Native;

namespace ChatAgent.Llm.Engine;

/// <summary>
/// The one thread of the process that calls into llama.cpp: weights are loaded, contexts created and freed, batches
/// decoded, tokens sampled and KV cells moved only here, for every engine in the process.
/// </summary>
/// <remarks>
/// llama.cpp's CPU backend (the OpenMP build LLamaSharp ships, and the default self-built one) gives every OS thread that
/// leads a compute graph its own team of worker threads. With more spinning workers than cores, OpenMP's barriers fall
/// back to sleeping, and every token pays for it: on 2 cores one extra idle graph-leading thread took decode from
/// 57.8 to 41.6 tok/s. Keeping a single leader makes the host as fast as llama.cpp's own tools. The rule is enforced
/// twice: engine code checks <see cref="EnsureCurrent"/> before native calls, and every engine context gets an abort
/// callback that refuses (aborts) a graph led by any other thread and counts it in <see cref="ForeignGraphNodes"/>.
/// Tokenizing (<c>llama_tokenize</c> on the vocabulary) never runs a graph and may happen on callers' threads.
/// </remarks>
internal static class LlamaThread
{
    /// <summary>OS name of the thread (OpenMP workers it starts inherit it).</summary>
    public const string ThreadName = "llama.cpp";

    private static readonly ConcurrentQueue<Action> Work = new();
    private static readonly ManualResetEventSlim WakeEvent = new(false, spinCount: 1);
    private static readonly object Gate = new();
    private static INativeWorker[] _workers = [];
    private static Thread? _thread;
    private static int _managedThreadId = -1;
    private static long _ownNodes, _foreignNodes;

    /// <summary>Graph nodes computed with the llama thread leading (counted by the abort callback).</summary>
    public static long OwnGraphNodes => Interlocked.Read(ref _ownNodes);

    /// <summary>Graph nodes of engine contexts that another thread tried to compute; they were aborted.</summary>
    public static long ForeignGraphNodes => Interlocked.Read(ref _foreignNodes);

    /// <summary>Whether the caller is the llama thread.</summary>
    public static bool IsCurrent => Environment.CurrentManagedThreadId == Volatile.Read(ref _managedThreadId);

    /// <summary>Throws unless the caller is the llama thread.</summary>
    /// <exception cref="LlamaThreadException">Called from any other thread.</exception>
    public static void EnsureCurrent([CallerMemberName] string operation = "")
    {
        if (!IsCurrent)
            throw new LlamaThreadException(
                $"{operation} calls into llama.cpp and must run on the '{ThreadName}' thread (thread {Environment.CurrentManagedThreadId} is not it): a second thread leading ggml graphs slows every decode in the process.");
    }

    /// <summary>Runs <paramref name="func"/> on the llama thread and waits for it (inline when already there).</summary>
    public static T Invoke<T>(Func<T> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return IsCurrent ? func() : InvokeAsync(func).GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="action"/> on the llama thread and waits for it.</summary>
    public static void Invoke(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Invoke(() => { action(); return true; });
    }

    /// <summary>Queues <paramref name="func"/> to the llama thread; its continuations run on the thread pool.</summary>
    public static Task<T> InvokeAsync<T>(Func<T> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        EnsureStarted();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Work.Enqueue(() =>
        {
            try { done.SetResult(func()); }
            catch (Exception e) { done.SetException(e); }
        });
        WakeEvent.Set();
        return done.Task;
    }

    /// <summary>Adds a worker whose <see cref="INativeWorker.Pump"/> the thread calls while it has work.</summary>
    public static void Register(INativeWorker worker)
    {
        EnsureStarted();
        lock (Gate) _workers = [.. _workers, worker];
        WakeEvent.Set();
    }

    /// <summary>Removes a worker; call on the llama thread so that no pump of it is running.</summary>
    public static void Unregister(INativeWorker worker)
    {
        lock (Gate) _workers = [.. _workers.Where(w => w != worker)];
    }

    /// <summary>Wakes the thread at once (new request, cancellation).</summary>
    public static void Wake() => WakeEvent.Set();

    /// <summary>
    /// Installs the guard on a context: llama.cpp calls it after each graph node on the thread leading the graph; a
    /// graph led by another thread is aborted (<c>llama_decode</c> returns <see cref="DecodeResult.ComputeAborted"/>).
    /// </summary>
    public static unsafe void Guard(SafeLLamaContextHandle context)
    {
        EnsureCurrent();
        NativeApi.llama_set_abort_callback(context, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, byte>)&OnGraphNode, IntPtr.Zero);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte OnGraphNode(IntPtr data)
    {
        if (IsCurrent)
        {
            _ownNodes++; // only the llama thread writes it
            return 0;
        }
        Interlocked.Increment(ref _foreignNodes);
        return 1;
    }

    private static void EnsureStarted()
    {
        if (Volatile.Read(ref _thread) is not null) return;
        lock (Gate)
        {
            if (_thread is not null) return;
            var thread = new Thread(Loop) { IsBackground = true, Name = ThreadName };
            thread.Start();
            Volatile.Write(ref _thread, thread);
        }
    }

    private static void Loop()
    {
        Volatile.Write(ref _managedThreadId, Environment.CurrentManagedThreadId);
        while (true)
        {
            // Reset before looking for work: a request queued after this point sets the event again.
            WakeEvent.Reset();
            var busy = false;
            while (Work.TryDequeue(out var item))
            {
                item();
                busy = true;
            }
            foreach (var worker in Volatile.Read(ref _workers))
            {
                try
                {
                    busy |= worker.Pump();
                }
                catch (Exception e)
                {
                    // A worker reports its own failures to its requests; never let one end the thread of every engine.
                    Trace.TraceError($"llama thread: {worker.GetType().Name}.Pump failed: {e}");
                    busy = true;
                }
            }
            if (!busy) WakeEvent.Wait();
        }
    }
}

/// <summary>Something that does native work in steps on <see cref="LlamaThread"/>.</summary>
internal interface INativeWorker
{
    /// <summary>Does one step of work; false when there was nothing to do.</summary>
    bool Pump();
}

/// <summary>A native llama.cpp call was attempted from a thread other than <see cref="LlamaThread"/>.</summary>
internal sealed class LlamaThreadException(string message) : InvalidOperationException(message);
