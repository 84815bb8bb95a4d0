import NIOCore

/// Runs tasks on one NIO event loop: the loop the store's connections live on. The store's work
/// and its connections' I/O then share one thread, so a statement's answer resumes the code
/// waiting for it without waking another thread (measured: most of W1's client time on PostgreSQL
/// was the kernel switching between the pool's threads and the event loop's, BENCHMARKS.md).
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
