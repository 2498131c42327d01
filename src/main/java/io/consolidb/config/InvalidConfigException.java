package io.consolidb.config;

/**
 * An impossible configuration value. The message is one line naming the key, the environment
 * variable that sets it and the rejected value, so an operator can fix it without reading code.
 */
public final class InvalidConfigException extends RuntimeException {

  private final String key;

  public InvalidConfigException(String key, String variable, Object value, String reason) {
    super("invalid configuration: " + key + (variable == null ? "" : " (" + variable + ")")
        + " = " + render(value) + ": " + reason, null, false, false);
    this.key = key;
  }

  public String key() {
    return key;
  }

  private static String render(Object value) {
    return value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
  }
}
