package io.consolidb.bench;

import io.consolidb.Addresses;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.restaurant.RestaurantService;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two kinds of node in this JVM compared over several pairs of fresh nodes ({@code metrics_on_vs_off},
 * {@code tracing_on_vs_off}): each pair runs its rounds alternating ({@link Comparison#alternate}),
 * the pair's start order and first round flip from one pair to the next, and the rounds of all
 * pairs are pooled.
 *
 * <p>Why pairs: how fast a node's lookups run settles when it starts (how its pipelined
 * connections batch, where its threads land) and stays for the node's life. Two identical
 * untraced nodes, one pair per run, read 0.965, 0.969 and 1.18 (docs/BENCHMARKS.md, "Tracing
 * overhead, fourth look"): more rounds of one pair do not average that out; more pairs do.
 */
final class NodePairs<N> {

  /** One round on a node: its operations per second. */
  @FunctionalInterface
  interface Round<N> {
    double run(N node) throws Exception;
  }

  /** A check of a pair after its rounds, before it stops: throws when the sides were not what they claim. */
  @FunctionalInterface
  interface Check<N> {
    void verify(N a, N b) throws Exception;
  }

  /** Stops a node. */
  @FunctionalInterface
  interface Stop<N> {
    void stop(N node) throws Exception;
  }

  private final String aLabel;
  private final Callable<N> startA;
  private final String bLabel;
  private final Callable<N> startB;
  private final Stop<N> stop;

  NodePairs(String aLabel, Callable<N> startA, String bLabel, Callable<N> startB, Stop<N> stop) {
    this.aLabel = aLabel;
    this.startA = startA;
    this.bLabel = bLabel;
    this.startB = startB;
    this.stop = stop;
  }

  /** Pairs of consolidb nodes, each stopped within 30 s. */
  static NodePairs<ConsolidbNode> of(String aLabel, Callable<ConsolidbNode> startA, String bLabel,
      Callable<ConsolidbNode> startB) {
    return new NodePairs<>(aLabel, startA, bLabel, startB, node -> node.stop().await(30, TimeUnit.SECONDS));
  }

  /**
   * {@code rounds} counted rounds of each side spread over {@code pairs} pairs (at least one
   * round each). Every pair first runs {@code warmUps} discarded rounds of each side, the first
   * pair {@code firstWarmUps} (it also warms this JVM's JIT); then {@link Comparison#alternate}'s
   * own warm-up round.
   *
   * @param cpu where each side's CPU went, or null
   */
  Comparison compare(String name, String unit, Round<N> round, int pairs, int rounds, int firstWarmUps, int warmUps,
      CpuAccount cpu, Check<N> check) throws Exception {
    int count = Math.max(1, Math.min(rounds, pairs));
    Samples a = new Samples();
    Samples b = new Samples();
    for (int pair = 0; pair < count; pair++) {
      int pairRounds = rounds / count + (pair < rounds % count ? 1 : 0);
      Map<String, Samples> measured = measure(round, pair % 2 == 0, pair == 0 ? firstWarmUps : warmUps, pairRounds,
          cpu, check);
      measured.get(aLabel).values().forEach(a::add);
      measured.get(bLabel).values().forEach(b::add);
    }
    return Comparison.of(name, unit, aLabel, a, bLabel, b);
  }

  private Map<String, Samples> measure(Round<N> round, boolean aFirst, int warmUps, int rounds, CpuAccount cpu,
      Check<N> check) throws Exception {
    N first = null;
    N second = null;
    try {
      first = (aFirst ? startA : startB).call();
      second = (aFirst ? startB : startA).call();
      N a = aFirst ? first : second;
      N b = aFirst ? second : first;
      Callable<Double> aRound = () -> round.run(a);
      Callable<Double> bRound = () -> round.run(b);
      for (int i = 0; i < warmUps; i++) {
        aRound.call();
        bRound.call();
      }
      Map<String, Callable<Double>> sides = new LinkedHashMap<>();
      sides.put(aFirst ? aLabel : bLabel, counted(cpu, aFirst ? aLabel : bLabel, aFirst ? aRound : bRound));
      sides.put(aFirst ? bLabel : aLabel, counted(cpu, aFirst ? bLabel : aLabel, aFirst ? bRound : aRound));
      Map<String, Samples> measured = Comparison.alternate(sides, rounds);
      if (check != null) {
        check.verify(a, b);
      }
      return measured;
    } finally {
      try {
        if (second != null) {
          stop.stop(second);
        }
      } finally {
        if (first != null) {
          stop.stop(first);
        }
      }
    }
  }

  /**
   * A round of closed-loop uncached get-by-id over restaurant ids 1..{@code ids} through the
   * node's in-process client, {@code concurrency} in flight for {@code millis}.
   */
  static Round<ConsolidbNode> lookups(int concurrency, long millis, int ids) {
    return node -> {
      RestaurantService proxy = ServiceLatency.sameNode(node, RestaurantService.class, Addresses.RESTAURANTS);
      return Load.throughput(node.vertx(), concurrency, millis,
          () -> proxy.get(1 + ThreadLocalRandom.current().nextInt(ids)));
    };
  }

  private static Callable<Double> counted(CpuAccount cpu, String side, Callable<Double> round) {
    return cpu == null ? round : cpu.measure(side, round);
  }
}
