package io.consolidb.config;

/**
 * An impossible configuration value. The message is one line naming the key, the environment
 * variable that sets it and the rejected value, so an operator can fix it without reading code.
 */
public final class InvalidConfigException extends RuntimeException {

  private final String key;
  private final String reason;

  public InvalidConfigException(String key, String variable, Object value, String reason) {
    super("invalid configuration: " + key + (variable == null ? "" : " (" + variable + ")")
        + " = " + render(value) + ": " + reason, null, false, false);
    this.key = key;
    this.reason = reason;
  }

  /** An error that shows no value at all ({@code variables}: those involved, e.g. a variable and its file form). */
  public InvalidConfigException(String key, String variables, String reason) {
    super("invalid configuration: " + key + " (" + variables + "): " + reason, null, false, false);
    this.key = key;
    this.reason = reason;
  }

  public String key() {
    return key;
  }

  /** What is wrong, without the key or the value ({@code must be an integer}). */
  public String reason() {
    return reason;
  }

  private static String render(Object value) {
    return value instanceof CharSequence ? "'" + value + "'" : String.valueOf(value);
  }
}
