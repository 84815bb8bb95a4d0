import CaseEngine
import Logging
import ServiceLifecycle

/// Keeps the supervision figures folded while `onego serve` runs, so that the dashboard's first
/// request after a quiet spell has little to fold (PostgreSQL gathers changes as deltas; SQLite's
/// figures are always exact and this does nothing). A failed fold is logged and tried next time.
struct SupervisionFolding: Service {
    let repository: any CaseRepository
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                try await repository.foldSupervisionFigures()
            } catch {
                logger.warning(
                    "supervision figures not folded; trying again later", metadata: ["code": "\(error.code)"])
            }
        }
    }
}
