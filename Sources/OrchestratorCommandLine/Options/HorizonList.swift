import ArgumentParser
import Prediction

/// Comma-separated forecast horizons such as `5m,1h,4h,24h`, or `none`.
struct HorizonList: ExpressibleByArgument {
    /// The horizons, in the order given (empty for `none`).
    let horizons: [Horizon]

    init?(argument: String) {
        if argument == "none" {
            horizons = []
            return
        }
        var parsed: [Horizon] = []
        for text in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let horizon = Horizon(parsing: text.trimmingCharacters(in: .whitespaces)) else { return nil }
            parsed.append(horizon)
        }
        horizons = parsed
    }
}
