package io.consolidb.config;

import io.vertx.core.json.JsonObject;

/**
 * Typed, validating reads of one section of the configuration. Every failure names the full key
 * and the environment variable that sets it.
 */
public final class ConfigSection {

  private final String prefix;
  private final JsonObject json;

  public ConfigSection(String prefix, JsonObject json) {
    this.prefix = prefix;
    this.json = json == null ? new JsonObject() : json;
  }

  public static ConfigSection of(JsonObject root, String name) {
    Object value = root.getValue(name);
    if (value != null && !(value instanceof JsonObject)) {
      throw new InvalidConfigException(name, null, value, "must be a section");
    }
    return new ConfigSection(name, (JsonObject) value);
  }

  public ConfigSection section(String name) {
    Object value = json.getValue(name);
    if (value != null && !(value instanceof JsonObject)) {
      throw invalid(name, value, "must be a section");
    }
    return new ConfigSection(key(name), (JsonObject) value);
  }

  public String string(String name, String fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (value instanceof JsonObject) {
      throw invalid(name, value, "must be a value, not a section");
    }
    return value.toString();
  }

  public boolean bool(String name, boolean fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    throw invalid(name, value, "must be true or false");
  }

  /** An integer at least {@code min}. */
  public int integer(String name, int fallback, int min) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw invalid(name, value, "must be an integer");
    }
    if (n.longValue() < min || n.longValue() > Integer.MAX_VALUE) {
      throw invalid(name, value, "must be at least " + min);
    }
    return n.intValue();
  }

  /** A number strictly greater than zero (durations, thresholds). */
  public double positive(String name, double fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n)) {
      throw invalid(name, value, "must be a number");
    }
    if (!(n.doubleValue() > 0) || Double.isInfinite(n.doubleValue())) {
      throw invalid(name, value, "must be greater than 0");
    }
    return n.doubleValue();
  }

  /** A number of zero or more (a duration where 0 means "none"). */
  public double nonNegative(String name, double fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || !(n.doubleValue() >= 0) || Double.isInfinite(n.doubleValue())) {
      throw invalid(name, value, "must be a number of 0 or more");
    }
    return n.doubleValue();
  }

  /** A number from 0 to 1 inclusive (shares, ratios). */
  public double fraction(String name, double fallback) {
    Object value = json.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= 1)) {
      throw invalid(name, value, "must be a number from 0 to 1");
    }
    return n.doubleValue();
  }

  public InvalidConfigException invalid(String name, Object value, String reason) {
    String key = key(name);
    Object shown = SecretMasker.isSecretKey(name) ? SecretMasker.MASK : value;
    return new InvalidConfigException(key, ConfigVariable.variableFor(key), shown, reason);
  }

  private String key(String name) {
    return prefix + "." + name;
  }
}
