package io.consolidb.config;

import java.util.HashMap;
import java.util.Map;

/** Settings loaded as a node loads them, in the testing environment, with some variables set. */
final class TestSettings {

  private TestSettings() {
  }

  /** {@code pairs}: variable, value, variable, value… */
  static NodeSettings load(String... pairs) {
    Map<String, String> variables = new HashMap<>(Map.of("CONSOLIDB_ENV", "testing"));
    for (int i = 0; i < pairs.length; i += 2) {
      variables.put(pairs[i], pairs[i + 1]);
    }
    return ConfigLoader.loadBlocking(variables);
  }
}
