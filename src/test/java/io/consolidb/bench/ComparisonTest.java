package io.consolidb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Iterator;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ComparisonTest {

  @Test
  @DisplayName("the paired ratio is the median of each round's quotient; the goal's ratio stays the ratio of medians")
  void pairedRatio_medianOfRoundQuotients() throws Exception {
    // warm-up 1/1, then three rounds; the load halves both sides of the second round
    Comparison comparison = Comparison.run("x", "ops/s", "on", values(1, 90, 40, 95), "off", values(1, 100, 50, 100), 3);

    assertThat(comparison.ratio()).isEqualTo(90.0 / 100.0);
    assertThat(comparison.pairedRatio()).isEqualTo(0.9); // quotients 0.9, 0.8, 0.95
    JsonObject json = comparison.toJson();
    assertThat(json.getDouble("ratio")).isEqualTo(0.9);
    assertThat(json.getDouble("paired_ratio")).isEqualTo(0.9);
    assertThat(comparison.summary()).contains("ratio 0.900 (paired 0.900)");
  }

  @Test
  @DisplayName("sides with different numbers of rounds have no paired ratio, and the report leaves it out")
  void pairedRatio_absentWhenRoundsDiffer() {
    Samples a = new Samples();
    a.add(1);
    a.add(2);
    Samples b = new Samples();
    b.add(1);
    Comparison comparison = Comparison.of("x", "ops/s", "a", a, "b", b);

    assertThat(comparison.pairedRatio()).isNaN();
    assertThat(comparison.toJson().containsKey("paired_ratio")).isFalse();
  }

  private static Callable<Double> values(double... values) {
    Iterator<Double> next = java.util.Arrays.stream(values).boxed().toList().iterator();
    return next::next;
  }
}
