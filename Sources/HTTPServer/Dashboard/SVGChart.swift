import Foundation
import TradingCore

/// Curves drawn on the server as SVG (no script, no library): a line over time with its range and
/// dates written on the axes; long series are thinned to at most `maximumPoints` (each kept point
/// is an actual mark, the extremes of every stretch included).
enum SVGChart {
    static let maximumPoints = 1200

    /// A line chart of `values` at `times`, `height` pixels high; `area` fills between it and zero.
    static func line(_ values: [Double], times: [Timestamp], title: String, height: Int = 220, color: String = "#0b5cad",
                     area: Bool = false, format: String = "%.2f") -> String {
        guard values.count >= 2, let low = values.min(), let high = values.max() else {
            return "<p class=\"note\">\(HTML.escape(title)): not enough marks to draw.</p>"
        }
        let width = 960.0, top = 18.0, bottom = Double(height) - 22, left = 70.0, right = width - 10
        let span = high - low == 0 ? 1 : high - low
        let kept = thinned(values)
        func x(_ index: Int) -> Double { left + (right - left) * Double(index) / Double(values.count - 1) }
        func y(_ value: Double) -> Double { bottom - (bottom - top) * (value - low) / span }
        let points = kept.map { String(format: "%.1f,%.1f", x($0), y(values[$0])) }.joined(separator: " ")
        var svg = "<figure class=\"chart\"><figcaption>\(HTML.escape(title))</figcaption>"
        svg += "<svg viewBox=\"0 0 \(Int(width)) \(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\" preserveAspectRatio=\"none\">"
        svg += "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(right)\" y2=\"\(bottom)\" stroke=\"#d8dee4\"/>"
        if area {
            // Filled between the curve and zero (or the nearest edge when zero is off the chart).
            let baseline = y(min(max(0, low), high))
            svg += "<polygon fill=\"\(color)\" fill-opacity=\"0.15\" points=\"\(String(format: "%.1f,%.1f", x(0), baseline)) \(points) \(String(format: "%.1f,%.1f", x(values.count - 1), baseline))\"/>"
        }
        svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(points)\"/>"
        svg += label(left - 6, top + 4, String(format: format, high), anchor: "end") + label(left - 6, bottom, String(format: format, low), anchor: "end")
        svg += label(left, Double(height) - 6, String(times[0].iso8601.prefix(10)), anchor: "start")
        svg += label(right, Double(height) - 6, String(times[times.count - 1].iso8601.prefix(10)), anchor: "end")
        return svg + "</svg></figure>"
    }

    private static func label(_ x: Double, _ y: Double, _ text: String, anchor: String) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" font-size=\"11\" fill=\"#5c6773\" text-anchor=\"\(anchor)\">\(HTML.escape(text))</text>"
    }

    /// The indices kept of `values`: all of them when few, else the lowest and the highest of each
    /// of `maximumPoints / 2` stretches (in order), and the last, so no extreme disappears.
    static func thinned(_ values: [Double]) -> [Int] {
        guard values.count > maximumPoints else { return Array(values.indices) }
        let stretches = maximumPoints / 2
        var kept: [Int] = []
        for stretch in 0..<stretches {
            let range = (stretch * values.count / stretches)..<((stretch + 1) * values.count / stretches)
            guard let low = range.min(by: { values[$0] < values[$1] }), let high = range.max(by: { values[$0] < values[$1] }) else { continue }
            kept += low == high ? [low] : [min(low, high), max(low, high)]
        }
        if kept.last != values.count - 1 { kept.append(values.count - 1) }
        return kept
    }
}
