import Foundation
import TradingCore
import TradingEngine

/// Curves drawn on the server as SVG (no script, no library): a line over time with its range and
/// dates written on the axes; long series are thinned to at most `maximumPoints` (each kept point
/// is an actual mark, the extremes of every stretch included).
enum SVGChart {
    static let maximumPoints = 1200

    /// One curve of a chart.
    struct Series {
        /// The legend's name (none for a chart of one curve).
        let name: String
        let values: [Double]
        let times: [Timestamp]
        let color: String
    }

    /// A line chart of `values` at `times`, `height` pixels high; `area` fills between it and zero.
    static func line(_ values: [Double], times: [Timestamp], title: String, height: Int = 220, color: String = "#0b5cad",
                     area: Bool = false, format: String = "%.2f") -> String {
        lines([Series(name: "", values: values, times: times, color: color)], title: title, height: height, area: area, format: format)
    }

    /// Curves over time on one scale (x by time, so series of different spans line up), with a
    /// legend when there are several.
    static func lines(_ series: [Series], title: String, height: Int = 220, area: Bool = false, format: String = "%.2f") -> String {
        let drawn = series.filter { $0.values.count >= 2 && $0.values.count == $0.times.count }
        let all = drawn.flatMap(\.values)
        guard let low = all.min(), let high = all.max(), let first = drawn.compactMap(\.times.first).min(),
              let last = drawn.compactMap(\.times.last).max(), last > first else {
            return "<p class=\"note\">\(HTML.escape(title)): not enough marks to draw.</p>"
        }
        let width = 960.0, top = 18.0, bottom = Double(height) - 22, left = 70.0, right = width - 10
        let span = high - low == 0 ? 1 : high - low, duration = Double(last.millisecondsSinceEpoch - first.millisecondsSinceEpoch)
        func x(_ time: Timestamp) -> Double { left + (right - left) * Double(time.millisecondsSinceEpoch - first.millisecondsSinceEpoch) / duration }
        func y(_ value: Double) -> Double { bottom - (bottom - top) * (value - low) / span }
        var svg = "<figure class=\"chart\"><figcaption>\(HTML.escape(title))"
        if drawn.count > 1 {
            svg += drawn.map { " \(swatch($0.color))\(HTML.escape($0.name))" }.joined()
        }
        svg += "</figcaption><svg viewBox=\"0 0 \(Int(width)) \(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\" preserveAspectRatio=\"none\">"
        svg += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"#d8dee4\"/>"
        for curve in drawn {
            let kept = thinned(curve.values)
            let points = kept.map { String(format: "%.1f,%.1f", x(curve.times[$0]), y(curve.values[$0])) }.joined(separator: " ")
            if area {
                // Filled between the curve and zero (or the nearest edge when zero is off the chart).
                let baseline = y(min(max(0, low), high))
                svg += "<polygon fill=\"\(curve.color)\" fill-opacity=\"0.15\" points=\"\(String(format: "%.1f,%.1f", x(curve.times[0]), baseline)) \(points) "
                    + "\(String(format: "%.1f,%.1f", x(curve.times[curve.times.count - 1]), baseline))\"/>"
            }
            svg += "<polyline fill=\"none\" stroke=\"\(curve.color)\" stroke-width=\"1.5\" points=\"\(points)\"/>"
        }
        svg += label(left - 6, top + 4, String(format: format, high), anchor: "end") + label(left - 6, bottom, String(format: format, low), anchor: "end")
        svg += label(left, Double(height) - 6, String(first.iso8601.prefix(10)), anchor: "start")
        svg += label(right, Double(height) - 6, String(last.iso8601.prefix(10)), anchor: "end")
        return svg + "</svg></figure>"
    }

    /// A legend's colour sample (SVG attributes, not an inline style, which the pages' policy forbids).
    static func swatch(_ color: String) -> String {
        "<svg class=\"swatch\" width=\"14\" height=\"4\" aria-hidden=\"true\"><rect width=\"14\" height=\"4\" fill=\"\(color)\"/></svg>"
    }

    private static func label(_ x: Double, _ y: Double, _ text: String, anchor: String) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" font-size=\"11\" fill=\"#5c6773\" text-anchor=\"\(anchor)\">\(HTML.escape(text))</text>"
    }

    /// The indices kept of `values` (see `CurveThinning`).
    static func thinned(_ values: [Double]) -> [Int] {
        CurveThinning.keptIndices(values, maximum: maximumPoints)
    }
}
