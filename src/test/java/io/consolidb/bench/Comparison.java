package io.consolidb.bench;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;

/**
 * Two sides of one comparison measured in the same run, alternating A, B, A, B… after a warm-up
 * of each, so that a noisy neighbour on this shared machine hits both sides alike. JMH runs one
 * benchmark after the other, which is why the harness alternates by itself.
 */
final class Comparison {

  final String name;
  final String unit;
  final Samples a = new Samples();
  final Samples b = new Samples();
  final String aLabel;
  final String bLabel;

  private Comparison(String name, String unit, String aLabel, String bLabel) {
    this.name = name;
    this.unit = unit;
    this.aLabel = aLabel;
    this.bLabel = bLabel;
  }

  static Comparison run(String name, String unit, String aLabel, Callable<Double> a, String bLabel,
      Callable<Double> b, int rounds) throws Exception {
    Comparison comparison = new Comparison(name, unit, aLabel, bLabel);
    a.call();
    b.call();
    for (int i = 0; i < rounds; i++) {
      comparison.a.add(a.call());
      comparison.b.add(b.call());
    }
    System.out.printf("%-24s %s %.1f (±%.0f%%) vs %s %.1f (±%.0f%%) %s%n", name, aLabel, comparison.a.median(),
        comparison.a.spread() * 100, bLabel, comparison.b.median(), comparison.b.spread() * 100, unit);
    return comparison;
  }

  /** a ÷ b of the medians. */
  double ratio() {
    return a.median() / b.median();
  }

  JsonObject toJson() {
    return new JsonObject().put("unit", unit).put(aLabel, a.toJson()).put(bLabel, b.toJson())
        .put("ratio", Samples.round(ratio()));
  }
}
