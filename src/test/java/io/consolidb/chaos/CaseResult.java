package io.consolidb.chaos;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** What one case measured, and the bounds it checked: PASS when every check held. */
final class CaseResult {

  private final String name;
  private final JsonObject figures = new JsonObject();
  private final List<String> failed = new ArrayList<>();

  CaseResult(String name) {
    this.name = name;
  }

  CaseResult figure(String key, Object value) {
    figures.put(key, value instanceof Double d ? Math.round(d * 10) / 10.0 : value);
    return this;
  }

  /** Records a bound: when {@code held} is false the case fails with {@code what}. */
  CaseResult check(boolean held, String what) {
    if (!held) {
      failed.add(what);
    }
    return this;
  }

  String name() {
    return name;
  }

  boolean passed() {
    return failed.isEmpty();
  }

  JsonObject toJson() {
    return new JsonObject().put("case", name).put("result", passed() ? "PASS" : "FAIL")
        .put("figures", figures).put("failed_checks", failed);
  }

  /** {@code <case>: PASS|FAIL k=v …; failed: …} */
  String line() {
    StringBuilder text = new StringBuilder(name).append(": ").append(passed() ? "PASS" : "FAIL");
    figures.forEach(e -> text.append(' ').append(e.getKey()).append('=').append(e.getValue()));
    if (!failed.isEmpty()) {
      text.append("; failed: ").append(String.join("; ", failed));
    }
    return text.toString();
  }
}
