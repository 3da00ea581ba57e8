import PruneAutodiff
import PruneTensor

/// Einsum with one or two operands and explicit letters (`ij,jk->ik`, `bhqd,bhkd->bhqk`,
/// `ij->ji`, `i,i->`): labels only one operand has and the output lacks are summed first, then
/// the product is one batched matrix product (batch, kept-left, contracted, kept-right axes), so
/// it is differentiable. Ellipses and repeated labels in one operand (diagonals) are not supported.
public struct EinsumOperator: GraphOperator {
    public let operands: [[Character]]
    public let output: [Character]

    /// Parses an equation; nil when it uses a form Prune does not implement.
    public init?(equation: String) {
        let text = equation.filter { !$0.isWhitespace }
        guard !text.contains("."), text.allSatisfy({ $0.isLetter || $0 == "," || $0 == "-" || $0 == ">" }) else {
            return nil
        }
        let sides = text.components(separatedBy: "->")
        let inputs = sides[0].split(separator: ",", omittingEmptySubsequences: false).map(Array.init)
        guard (1...2).contains(inputs.count), sides.count <= 2,
              inputs.allSatisfy({ Set($0).count == $0.count }) else { return nil }
        operands = inputs
        if sides.count == 2 { output = Array(sides[1]) } else {
            let all = inputs.flatMap { $0 }
            output = Set(all).filter { c in all.filter { $0 == c }.count == 1 }.sorted()
        }
        guard Set(output).count == output.count, Set(output).isSubset(of: Set(inputs.flatMap { $0 })) else {
            return nil
        }
    }
    public var channelFlow: ChannelFlow { .fixes }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        var xs = try operands.indices.map { try input(inputs, $0, "operand \($0)").variable("operand \($0)") }
        var labels = operands
        for k in xs.indices {
            guard xs[k].shape.count == labels[k].count else {
                let labelText = String(labels[k])
                throw GraphError.invalidValue("Einsum operand \(k) has shape \(xs[k].shape) for labels \(labelText)")
            }
            let others = Set(output + (xs.count == 2 ? labels[1 - k] : []))
            let summed = labels[k].indices.filter { !others.contains(labels[k][$0]) }
            if !summed.isEmpty {
                xs[k] = try xs[k].sum(axes: summed)
                labels[k] = labels[k].enumerated().filter { !summed.contains($0.offset) }.map(\.element)
            }
        }
        if xs.count == 1 { return [.float(try permute(xs[0], from: labels[0], to: output))] }
        return [.float(try product(xs[0], labels[0], xs[1], labels[1]))]
    }

    func permute(_ x: Variable, from labels: [Character], to target: [Character]) throws -> Variable {
        let order = target.map { labels.firstIndex(of: $0)! }
        return order == Array(order.indices) ? x : try x.permuted(order)
    }

    func product(_ a: Variable, _ la: [Character], _ b: Variable, _ lb: [Character]) throws -> Variable {
        let batch = la.filter { lb.contains($0) && output.contains($0) }
        let contracted = la.filter { lb.contains($0) && !output.contains($0) }
        let left = la.filter { !lb.contains($0) }, right = lb.filter { !la.contains($0) }
        func extent(_ c: Character) -> Int {
            la.firstIndex(of: c).map { a.shape[$0] } ?? b.shape[lb.firstIndex(of: c)!]
        }
        for c in batch + contracted where a.shape[la.firstIndex(of: c)!] != b.shape[lb.firstIndex(of: c)!] {
            throw GraphError.invalidValue("Einsum label \(c) has extents \(a.shape) and \(b.shape)")
        }
        func size(_ cs: [Character]) -> Int { cs.map(extent).reduce(1, *) }
        let a3 = try permute(a, from: la, to: batch + left + contracted)
            .reshaped([size(batch), size(left), size(contracted)])
        let b3 = try permute(b, from: lb, to: batch + contracted + right)
            .reshaped([size(batch), size(contracted), size(right)])
        let labels = batch + left + right
        let y = try Variable.matmul(a3, b3).reshaped(labels.map(extent))
        return try permute(y, from: labels, to: output)
    }
}
