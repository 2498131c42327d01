package io.consolidb.bench;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Two sides of one comparison measured in the same run, alternating after a warm-up of each, so
 * that a noisy neighbour on this shared machine hits both sides alike. The order flips every round
 * (A B, B A, A B…) so neither side always runs right after the other. JMH runs one benchmark after
 * the other, which is why the harness alternates by itself.
 */
public final class Comparison {

  final String name;
  final String unit;
  final Samples a;
  final Samples b;
  final String aLabel;
  final String bLabel;

  private Comparison(String name, String unit, String aLabel, Samples a, String bLabel, Samples b) {
    this.name = name;
    this.unit = unit;
    this.aLabel = aLabel;
    this.bLabel = bLabel;
    this.a = a;
    this.b = b;
  }

  public static Comparison run(String name, String unit, String aLabel, Callable<Double> a, String bLabel,
      Callable<Double> b, int rounds) throws Exception {
    Map<String, Callable<Double>> sides = new LinkedHashMap<>();
    sides.put(aLabel, a);
    sides.put(bLabel, b);
    Map<String, Samples> samples = alternate(sides, rounds);
    return of(name, unit, aLabel, samples.get(aLabel), bLabel, samples.get(bLabel));
  }

  /**
   * Runs every side once as warm-up, then {@code rounds} rounds of all sides, the order rotating
   * by one each round. Returns each side's samples by label.
   */
  static Map<String, Samples> alternate(Map<String, Callable<Double>> sides, int rounds) throws Exception {
    List<String> labels = new ArrayList<>(sides.keySet());
    Map<String, Samples> samples = new LinkedHashMap<>();
    for (String label : labels) {
      sides.get(label).call();
      samples.put(label, new Samples());
    }
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < labels.size(); i++) {
        String label = labels.get((r + i) % labels.size());
        samples.get(label).add(sides.get(label).call());
      }
    }
    return samples;
  }

  /** A comparison of samples measured (alternating) elsewhere; prints it like {@link #run}. */
  static Comparison of(String name, String unit, String aLabel, Samples a, String bLabel, Samples b) {
    Comparison comparison = new Comparison(name, unit, aLabel, a, bLabel, b);
    System.out.println(comparison.summary());
    return comparison;
  }

  /** a ÷ b of the medians. */
  public double ratio() {
    return a.median() / b.median();
  }

  /**
   * The median of each round's a ÷ b, a second view of the same ratio (not the one the goals are
   * checked on): the two sides of one round ran back to back, so a neighbour's load that comes and
   * goes between rounds hits both terms of a round's quotient and mostly cancels, where the ratio
   * of medians may take each side's median from differently loaded rounds. NaN when the sides do
   * not have one value per round each.
   */
  public double pairedRatio() {
    if (a.size() != b.size() || a.size() == 0) {
      return Double.NaN;
    }
    List<Double> rounds = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      rounds.add(a.at(i) / b.at(i));
    }
    return Samples.median(rounds);
  }

  /** One line: both medians with their spreads, the ratio, and the paired view of it. */
  public String summary() {
    return String.format(java.util.Locale.ROOT, "%-24s %s %.1f (±%.0f%%) vs %s %.1f (±%.0f%%) %s: ratio %.3f (paired %.3f)",
        name, aLabel, a.median(), a.spread() * 100, bLabel, b.median(), b.spread() * 100, unit, ratio(), pairedRatio());
  }

  JsonObject toJson() {
    JsonObject json = new JsonObject().put("unit", unit).put(aLabel, a.toJson()).put(bLabel, b.toJson())
        .put("ratio", Samples.round(ratio()));
    double paired = pairedRatio();
    if (Double.isFinite(paired)) {
      json.put("paired_ratio", Samples.round(paired));
    }
    return json;
  }
}
