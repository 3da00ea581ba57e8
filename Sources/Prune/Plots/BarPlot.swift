import Foundation

/// A small SVG chart of horizontal bars (no dependencies): one labelled bar per item, values in
/// [0, `maximum`], printed beside each bar; for per-layer sparsity or kept width.
public struct BarPlot {
    public var title: String
    public var valueLabel: String
    public var maximum: Double
    public var bars: [(label: String, value: Double)] = []
    public var color = "#1f77b4"
    let width = 720.0, barHeight = 18.0, gap = 6.0, labelWidth = 230.0, top = 40.0, bottom = 40.0

    public init(title: String, valueLabel: String, maximum: Double = 100) {
        self.title = title; self.valueLabel = valueLabel; self.maximum = maximum
    }

    public func svg() -> String {
        let f = { (v: Double) in String(format: "%.1f", v) }
        let height = top + bottom + Double(bars.count) * (barHeight + gap)
        let plotW = width - labelWidth - 70
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
            + "\(Self.escape(title))</text>\n"
        for (i, bar) in bars.enumerated() {
            let y = top + Double(i) * (barHeight + gap)
            let w = maximum > 0 ? max(0, min(bar.value, maximum)) / maximum * plotW : 0
            out += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(y + barHeight - 5))\" text-anchor=\"end\">"
                + "\(Self.escape(bar.label))</text>\n"
            out += "<rect x=\"\(f(labelWidth))\" y=\"\(f(y))\" width=\"\(f(plotW))\" height=\"\(f(barHeight))\" "
                + "fill=\"#f0f0f0\"/>\n"
            out += "<rect x=\"\(f(labelWidth))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(barHeight))\" "
                + "fill=\"\(color)\"/>\n"
            out += "<text x=\"\(f(labelWidth + plotW + 6))\" y=\"\(f(y + barHeight - 5))\">"
                + String(format: "%.1f", bar.value) + "</text>\n"
        }
        out += "<text x=\"\(f(labelWidth + plotW / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\" "
            + "font-size=\"12\">\(Self.escape(valueLabel))</text>\n"
        return out + "</svg>\n"
    }

    static func escape(_ text: String) -> String { HTMLReport.escape(text) }
}
