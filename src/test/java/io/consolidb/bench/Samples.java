package io.consolidb.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The rounds of one side of a comparison: median and spread, never a single lucky number. */
final class Samples {

  private final List<Double> values = new ArrayList<>();

  void add(double value) {
    values.add(value);
  }

  double median() {
    return median(values);
  }

  /** The round {@code i}'s value (rounds in the order they ran). */
  double at(int i) {
    return values.get(i);
  }

  int size() {
    return values.size();
  }

  /** Every round's value, in the order they ran. */
  List<Double> values() {
    return Collections.unmodifiableList(values);
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** (max − min) / median: how much the machine's noise moved this side between rounds. */
  double spread() {
    if (values.size() < 2) {
      return 0;
    }
    return (Collections.max(values) - Collections.min(values)) / median();
  }

  JsonObject toJson() {
    return new JsonObject().put("median", round(median())).put("spread", round(spread()))
        .put("rounds", new JsonArray(values.stream().map(Samples::round).toList()));
  }

  static double round(double value) {
    return Double.isFinite(value) ? Math.round(value * 1000) / 1000.0 : value;
  }
}
