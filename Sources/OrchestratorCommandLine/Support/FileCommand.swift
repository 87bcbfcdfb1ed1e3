import Analytics
import ArgumentParser
import Foundation
import Orchestrator
import PortfolioOptimizer
import Prediction
import TradingCore
import TradingEngine

/// Runs the commands that work on files and maps their errors to exit codes: bad data or an
/// infeasible request 65, a missing file 66.
enum FileCommand {
    static func run(_ body: () throws -> AdministrationCommands.Output, format: OutputFormat) throws {
        do {
            CommandRunner.print(try body(), format: format)
        } catch let error as ImportRejection {
            FileHandle.standardError.write(Data("error: the price file was rejected\n\(error.description)\n".utf8))
            throw ExitCode(65)
        } catch let error as ImportFileError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(error.reason.hasPrefix("no such file") ? 66 : 65)
        } catch let error where isRejectedInput(error) {
            FileHandle.standardError.write(Data("error: \(String(describing: error))\n".utf8))
            throw ExitCode(65)
        }
    }

    /// The modules' own errors: the input cannot give an answer (exit 65, the message says why).
    private static func isRejectedInput(_ error: any Error) -> Bool {
        error is PortfolioError || error is AnalyticsError || error is PredictionError || error is BacktestCommands.RequestError
            || error is SMACrossBacktest.BacktestError || error is TradingLoop.LoopError
    }
}
