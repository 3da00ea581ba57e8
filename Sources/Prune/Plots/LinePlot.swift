import Foundation

/// A small SVG line chart (no dependencies): several series of (x, y ± error) points over a shared
/// x axis, optionally logarithmic and reversed (fraction of weights left, 100% → 1%), with a legend.
public struct LinePlot {
    public struct Series {
        public let name: String
        public let color: String
        public let points: [(x: Double, y: Double, error: Double)]
        /// A dashed line without point markers (a front or a reference, not measurements).
        public var dashed = false
        public init(name: String, color: String, points: [(x: Double, y: Double, error: Double)],
                    dashed: Bool = false) {
            self.name = name; self.color = color; self.points = points; self.dashed = dashed
        }
    }

    /// Distinct line colours, used in turn.
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                                 "#17becf"]

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX = false
    public var reversedX = false
    public var series: [Series] = []
    let width = 720.0, height = 440.0, margin = (left: 70.0, right: 170.0, top: 40.0, bottom: 55.0)

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
    }

    /// The chart as an SVG document.
    public func svg() -> String {
        let all = series.flatMap(\.points)
        guard !all.isEmpty else { return "<svg xmlns=\"http://www.w3.org/2000/svg\"/>" }
        let xs = all.map { logX ? log10($0.x) : $0.x }
        let ys = all.flatMap { [$0.y - $0.error, $0.y + $0.error] }
        let xr = (xs.min()!, max(xs.max()!, xs.min()! + 1e-9))
        let pad = max((ys.max()! - ys.min()!) * 0.05, 1e-6)
        let yr = (ys.min()! - pad, ys.max()! + pad)
        let plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom
        func px(_ x: Double) -> Double {
            let t = ((logX ? log10(x) : x) - xr.0) / (xr.1 - xr.0)
            return margin.left + (reversedX ? 1 - t : t) * plotW
        }
        func py(_ y: Double) -> Double { margin.top + (1 - (y - yr.0) / (yr.1 - yr.0)) * plotH }
        var out = header(plotW: plotW, plotH: plotH)
        out += axes(yr: yr, px: px, py: py, xs: all.map(\.x))
        for (i, s) in series.enumerated() { out += draw(s, index: i, px: px, py: py) }
        return out + "</svg>\n"
    }

    func header(plotW: Double, plotH: Double) -> String {
        let f = { (v: Double) in String(format: "%.1f", v) }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(escape(title))</text>\n"
            + "<rect x=\"\(f(margin.left))\" y=\"\(f(margin.top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" "
            + "fill=\"none\" stroke=\"#333\"/>\n"
    }

    func axes(yr: (Double, Double), px: (Double) -> Double, py: (Double) -> Double, xs: [Double]) -> String {
        let f = { (v: Double) in String(format: "%.1f", v) }
        var out = ""
        for k in 0...5 {
            let y = yr.0 + (yr.1 - yr.0) * Double(k) / 5
            out += "<text x=\"\(f(margin.left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">"
                + String(format: "%.1f", y) + "</text>\n"
            out += "<line x1=\"\(f(margin.left))\" x2=\"\(f(width - margin.right))\" y1=\"\(f(py(y)))\" "
                + "y2=\"\(f(py(y)))\" stroke=\"#eee\"/>\n"
        }
        for x in Array(Set(xs)).sorted() {
            out += "<text x=\"\(f(px(x)))\" y=\"\(f(height - margin.bottom + 16))\" text-anchor=\"middle\" "
                + "font-size=\"9\">\(String(format: x < 10 ? "%.1f" : "%.0f", x))</text>\n"
        }
        out += "<text x=\"\(f(margin.left + (width - margin.left - margin.right) / 2))\" y=\"\(f(height - 14))\" "
            + "text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(18 \(f(margin.top + (height - margin.top - margin.bottom) / 2))) "
            + "rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        return out
    }

    func draw(_ s: Series, index: Int, px: (Double) -> Double, py: (Double) -> Double) -> String {
        let f = { (v: Double) in String(format: "%.1f", v) }
        let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
        let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
        var out = "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash) points=\"\(path)\"/>\n"
        for p in s.points where !s.dashed {
            out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3\" fill=\"\(s.color)\"/>\n"
        }
        for p in s.points where p.error > 0 {
            out += "<line x1=\"\(f(px(p.x)))\" x2=\"\(f(px(p.x)))\" y1=\"\(f(py(p.y - p.error)))\" "
                + "y2=\"\(f(py(p.y + p.error)))\" stroke=\"\(s.color)\"/>\n"
        }
        let ly = margin.top + 14 + Double(index) * 20, lx = width - margin.right + 12
        out += "<line x1=\"\(f(lx))\" x2=\"\(f(lx + 22))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" "
            + "stroke=\"\(s.color)\"\(dash) "
            + "stroke-width=\"2\"/>\n<text x=\"\(f(lx + 28))\" y=\"\(f(ly))\">\(escape(s.name))</text>\n"
        return out
    }

    func escape(_ text: String) -> String { HTMLReport.escape(text) }
}
