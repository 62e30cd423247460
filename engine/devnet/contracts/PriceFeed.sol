// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Chainlink's AggregatorV3Interface, as price-feed consumers call it.
interface AggregatorV3Interface {
    function decimals() external view returns (uint8);
    function description() external view returns (string memory);
    function version() external view returns (uint256);
    function getRoundData(uint80 _roundId)
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// A price feed for dev chains: Chainlink's AggregatorV3Interface with answers
/// the owner pushes (the devnet's market simulator), one round per update, as
/// Chainlink's own MockV3Aggregator but owner-only. Rounds start at 1; every
/// round answers in itself.
contract PriceFeed is AggregatorV3Interface {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
    }

    uint8 public immutable override decimals;
    string public override description;
    uint256 public constant override version = 4;
    address public owner;
    uint80 public latestRound;
    mapping(uint80 => Round) private rounds;

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);
    event OwnerChanged(address indexed owner);

    modifier onlyOwner() {
        require(msg.sender == owner, "PriceFeed: not owner");
        _;
    }

    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        decimals = decimals_;
        description = description_;
        owner = msg.sender;
        _push(initialAnswer, block.timestamp, block.timestamp);
    }

    /// A new round answering `answer`, updated now.
    function updateAnswer(int256 answer) external onlyOwner {
        _push(answer, block.timestamp, block.timestamp);
    }

    /// A new round with explicit times (tests: a stale answer is one with an old updatedAt).
    function updateRoundData(int256 answer, uint256 updatedAt, uint256 startedAt) external onlyOwner {
        _push(answer, updatedAt, startedAt);
    }

    function setOwner(address owner_) external onlyOwner {
        owner = owner_;
        emit OwnerChanged(owner_);
    }

    function getRoundData(uint80 _roundId)
        external
        view
        override
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round memory round = rounds[_roundId];
        require(round.updatedAt > 0, "No data present");
        return (_roundId, round.answer, round.startedAt, round.updatedAt, _roundId);
    }

    function latestRoundData()
        external
        view
        override
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round memory round = rounds[latestRound];
        return (latestRound, round.answer, round.startedAt, round.updatedAt, latestRound);
    }

    function _push(int256 answer, uint256 updatedAt, uint256 startedAt) private {
        uint80 roundId = latestRound + 1;
        latestRound = roundId;
        rounds[roundId] = Round(answer, startedAt, updatedAt);
        emit NewRound(roundId, msg.sender, startedAt);
        emit AnswerUpdated(answer, roundId, updatedAt);
    }
}
