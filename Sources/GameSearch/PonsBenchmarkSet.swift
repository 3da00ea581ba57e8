/// Pascal Pons's Connect-Four benchmark sets ("Solving Connect Four", part 2, test protocol): 1,000
/// positions each, a line `moves score`, and the mean explored positions he published per technique
/// stack (parts 3–8 of the tutorial). The files ship in `shared/data/connect4/`; any file of the same
/// format can be read with ``PositionFile``.
public struct PonsBenchmarkSet: Sendable {
    /// The file name (`Test_L3_R1`).
    public let file: String
    /// Pons's name for it (`End-Easy`).
    public let name: String
    /// Published mean explored positions per stack name (see ``ConnectFourStack/standard``); nil
    /// where Pons gives none.
    public let publishedMeanNodes: [String: Double]

    /// The four sets, in the order Pons's tables list them.
    public static let all: [PonsBenchmarkSet] = [
        PonsBenchmarkSet(file: "Test_L3_R1", name: "End-Easy", publishedMeanNodes: [
            "minimax": 11_024, "alpha-beta": 283.6, "+ move order": 139.7,
            "+ transposition table": 92.84, "+ iterative deepening": 131.6]),
        PonsBenchmarkSet(file: "Test_L2_R1", name: "Middle-Easy", publishedMeanNodes: [
            "alpha-beta": 54_236_700, "+ move order": 2_081_790,
            "+ transposition table": 207_900, "+ iterative deepening": 9_472]),
        PonsBenchmarkSet(file: "Test_L2_R2", name: "Middle-Medium", publishedMeanNodes: [
            "alpha-beta": 453_614_000, "+ move order": 40_396_700,
            "+ transposition table": 1_731_000, "+ iterative deepening": 1_699_000]),
        PonsBenchmarkSet(file: "Test_L1_R1", name: "Begin-Easy", publishedMeanNodes: [
            "+ transposition table": 156_400_000, "+ iterative deepening": 236_700]),
    ]

    /// The set whose file is named `file`, if it is one of Pons's.
    public static func named(file: String) -> PonsBenchmarkSet? { all.first { $0.file == file } }
}

/// A technique stack of Pons's tables: each adds one technique to the one before.
public struct ConnectFourStack: Sendable {
    public let name: String
    public let techniques: ConnectFourSolver.Techniques
    /// Run on Pons's sets even without a published figure to compare with (the fast later stacks).
    public let runsWithoutFigure: Bool

    public init(name: String, techniques: ConnectFourSolver.Techniques, runsWithoutFigure: Bool = false) {
        self.name = name
        self.techniques = techniques
        self.runsWithoutFigure = runsWithoutFigure
    }

    /// The nine stacks, in the order Pons adds the techniques (parts 3–10 and 12), then mirror symmetry.
    public static let standard: [ConnectFourStack] = [
        ConnectFourStack(name: "minimax", techniques: []),
        ConnectFourStack(name: "alpha-beta", techniques: [.alphaBeta]),
        ConnectFourStack(name: "+ move order", techniques: [.alphaBeta, .moveOrder]),
        ConnectFourStack(name: "+ transposition table", techniques: [.alphaBeta, .moveOrder, .transpositionTable]),
        ConnectFourStack(name: "+ iterative deepening", techniques: .tutorialBasics),
        ConnectFourStack(name: "+ anticipate losing moves", techniques: .tutorialBasics.union(.nonLosingMoves),
                         runsWithoutFigure: true),
        ConnectFourStack(name: "+ threat order", techniques: .tutorialBasics.union([.nonLosingMoves, .threatOrder]),
                         runsWithoutFigure: true),
        ConnectFourStack(name: "+ lower bounds", techniques: ConnectFourSolver.Techniques.all
                            .subtracting(.mirrorSymmetry), runsWithoutFigure: true),
        ConnectFourStack(name: "+ mirror symmetry", techniques: .all, runsWithoutFigure: true),
    ]
}
