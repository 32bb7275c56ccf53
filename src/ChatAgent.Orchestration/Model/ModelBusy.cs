using System.Net;
using ChatAgent.Llm.Engine;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.Model;

/// <summary>Recognises "the model cannot take this request now" from the local engine and from OpenAI-compatible endpoints.</summary>
internal static class ModelBusy
{
    public static bool Is(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is ModelBusyException or HttpOperationException { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable })
            {
                return true;
            }
        }
        return false;
    }
}
