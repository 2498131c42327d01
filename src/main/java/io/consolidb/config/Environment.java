package io.consolidb.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The deployment environment, chosen with {@code CONSOLIDB_ENV}; selects {@code conf/<env>.yaml}. */
public enum Environment {
  DEVELOPMENT, STAGING, PRODUCTION, TESTING;

  /** Parses a name such as {@code production}; an unknown name is a configuration error. */
  public static Environment parse(String name) {
    if (name == null || name.isBlank()) {
      return DEVELOPMENT;
    }
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      String allowed = Arrays.stream(values()).map(Environment::fileName).collect(Collectors.joining(", "));
      throw new InvalidConfigException("environment", "CONSOLIDB_ENV", name, "must be one of " + allowed);
    }
  }

  /** The base name of this environment's file under {@code conf/}. */
  public String fileName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
