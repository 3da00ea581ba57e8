import Foundation

/// A self-contained HTML page: headings, inline SVG plots and tables, no network access (no scripts
/// or styles from elsewhere), so it opens anywhere and can be archived with the results. Tables sort
/// by a click on a column header (a few lines of inline script).
public struct HTMLReport {
    public enum Block {
        case paragraph(String)
        case svg(String)
        case table(header: [String], rows: [[String]])
    }

    public struct Section {
        public let heading: String
        public let blocks: [Block]
        public init(_ heading: String, _ blocks: [Block]) { self.heading = heading; self.blocks = blocks }
    }

    public var title: String
    public var sections: [Section]

    public init(title: String, sections: [Section] = []) { self.title = title; self.sections = sections }

    public func html() -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>\(Self.escape(title))"
            + "</title>\n<style>\n\(Self.style)</style>\n</head>\n<body>\n<h1>\(Self.escape(title))</h1>\n"
        for section in sections {
            out += "<section>\n<h2>\(Self.escape(section.heading))</h2>\n"
            for block in section.blocks { out += render(block) }
            out += "</section>\n"
        }
        return out + "<script>\n\(Self.sortScript)</script>\n</body>\n</html>\n"
    }

    func render(_ block: Block) -> String {
        switch block {
        case .paragraph(let text): return "<p>\(Self.escape(text))</p>\n"
        case .svg(let svg): return "<figure>\n\(svg)</figure>\n"
        case .table(let header, let rows):
            var out = "<table class=\"sortable\">\n<thead><tr>"
                + header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
            for row in rows { out += "<tr>" + row.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>\n" }
            return out + "</tbody>\n</table>\n"
        }
    }

    /// Writes the page atomically.
    public func write(to path: String) throws { try AtomicFile.write(Data(html().utf8), to: path) }

    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let style = """
        body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
        th { background: #f4f4f4; cursor: pointer; }
        td:first-child, th:first-child { text-align: left; }
        figure { margin: 1em 0; }

        """

    /// Click a header to sort its table by that column (numbers numerically, the rest as text).
    static let sortScript = """
        document.querySelectorAll("table.sortable th").forEach(function (th, _) {
          th.addEventListener("click", function () {
            var table = th.closest("table"), body = table.tBodies[0];
            var col = Array.prototype.indexOf.call(th.parentNode.children, th);
            var up = th.dataset.order !== "up"; th.dataset.order = up ? "up" : "down";
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function (a, b) {
              var x = a.cells[col].textContent, y = b.cells[col].textContent;
              var nx = parseFloat(x), ny = parseFloat(y);
              var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
              return up ? c : -c;
            });
            rows.forEach(function (r) { body.appendChild(r); });
          });
        });

        """
}
