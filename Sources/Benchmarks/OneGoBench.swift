import ArgumentParser
import Foundation

/// The benchmarks' command.
struct OneGoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onego-bench", abstract: "Benchmarks that carry OneGo's speed targets (BENCHMARKS.md).",
        subcommands: [
            BundlesBenchmark.self, W1Benchmark.self, ScaleBenchmark.self, Submissions.self, APIBenchmark.self,
            ConcurrencyBenchmark.self, SubmitBatch.self, PostgresRoundTrip.self, DriverFloorBenchmark.self,
            WebhookBenchmark.self,
            WebhookKillBenchmark.self, ConsoleBenchmark.self,
        ])
}

/// A failure of a benchmark run: printed as `error: …`, exit status 1.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs async work to its end from synchronous code: the work runs on the cooperative pool while
/// this thread waits (see main.swift for why the main stays synchronous).
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Outcome<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do {
            outcome.set(.success(try await work()))
        } catch {
            outcome.set(.failure(error))
        }
        done.signal()
    }
    done.wait()
    return try outcome.get()
}

/// The result of `runBlocking`'s task, handed to the waiting thread.
private final class Outcome<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    func set(_ value: Result<T, any Error>) {
        lock.lock()
        result = value
        lock.unlock()
    }

    func get() throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let result else { throw BenchmarkError("the benchmark task ended without a result") }
        return try result.get()
    }
}

/// Runs a program and returns its standard output's last line.
func runProcess(_ path: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchmarkError("\(path) exited with status \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
}

/// Empties a PostgreSQL database for a benchmark run: its public schema dropped and made again.
func resetPostgresSchema(_ address: String) throws {
    _ = try runProcess(
        "/usr/bin/psql",
        [
            "-X", "-q", "-d", address, "-c",
            "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public",
        ])
}
