/// How member scores combine into a group's channel score.
public enum GroupAggregation: String, OptionValue, CaseIterable {
    case sum, mean, max
    public static let optionName = "aggregation"
}
