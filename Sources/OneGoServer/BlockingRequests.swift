import Hummingbird
import NIOPosix

/// Threads on which a request may block.
///
/// The SQLite store runs a transaction on the calling thread and waits there: for its writer, and
/// for another process's write lock (up to its busy timeout, 10 s). On Swift's cooperative pool, one
/// thread a core, two such requests hold every thread, and a kiosk's read, `/health` and the outbox
/// relay wait behind them. `onego serve --request-threads N` on a SQLite file runs each request
/// here instead (a task executor preference, ``BlockingRequestsMiddleware``). It is not the default:
/// every hop onto these threads costs, about 15 % of the requests a second (BENCHMARKS.md), and a
/// lock held for long is rare. On PostgreSQL, whose calls suspend, requests stay on the pool.
public final class BlockingRequestThreads: TaskExecutor, Sendable {
    private let pool: NIOThreadPool

    /// Starts `count` threads; they live as long as the process.
    public init(count: Int) {
        pool = NIOThreadPool(numberOfThreads: count)
        pool.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        pool.submit { _ in job.runSynchronously(on: executor) }
    }
}

/// Runs everything after it on ``BlockingRequestThreads``.
struct BlockingRequestsMiddleware<Context: RequestContext>: RouterMiddleware {
    let threads: BlockingRequestThreads

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try await withTaskExecutorPreference(threads) { try await next(request, context) }
    }
}
