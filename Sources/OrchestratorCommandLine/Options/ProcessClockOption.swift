import ArgumentParser
import Orchestrator

/// `--clock` of the serve, worker and scheduler roles.
struct ProcessClockOption: ParsableArguments {
    @Option(help: "The clock of the whole process: system (this machine's), binance (the exchange's server time at venues.binance.rest_url) or alpaca (/v2/clock; needs a key). With `run --clock venue` on a stub exchange's accelerated clock, every role must read the same time.")
    var clock = ProcessClock.system
}
