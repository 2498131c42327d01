package io.consolidb.cli;

import io.consolidb.config.ConfigLoader;
import io.consolidb.config.ConfigVariable;
import io.consolidb.config.InvalidConfigException;
import io.consolidb.config.NodeSettings;
import java.util.Map;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** Options every command shares, and the one way commands load and validate configuration. */
final class ConfigOptions {

  /** Exit code for an impossible configuration (the message names the key). */
  static final int INVALID_CONFIG = 2;
  /** Exit code when a dependency (PostgreSQL, Redis) cannot be reached or used. */
  static final int DEPENDENCY_FAILED = 3;
  /**
   * Exit code when the database's schema is not one consolidb can run on: it differs from what the
   * migrations make, or it predates consolidb and has not been adopted (docs/MIGRATING.md).
   */
  static final int SCHEMA_DIFFERS = 4;

  @Option(names = "--env", paramLabel = "ENV",
      description = "development | staging | production | testing (overrides CONSOLIDB_ENV)")
  String environment;

  /**
   * Loads the configuration, or prints the single line naming the bad key to stderr and returns
   * null. {@code extra} are variables the command line sets (e.g. {@code CLUSTER_ENABLED}).
   */
  NodeSettings load(Map<String, String> extra) {
    Map<String, String> variables = ConfigLoader.processVariables();
    // a command-line flag wins over the environment, including over a NAME_FILE it holds
    extra.keySet().forEach(name -> variables.remove(name + ConfigVariable.FILE_SUFFIX));
    variables.putAll(extra);
    if (environment != null) {
      variables.put(ConfigLoader.ENV_VARIABLE, environment);
    }
    String logFormat = variables.get("LOG_FORMAT");
    if (logFormat != null && !logFormat.equals("text") && !logFormat.equals("json")) {
      // logback has already fallen silent on an unknown appender name: say why, and stop
      System.err.println("invalid configuration: LOG_FORMAT = " + logFormat + ": must be text or json");
      return null;
    }
    try {
      NodeSettings settings = ConfigLoader.loadBlocking(variables);
      if (settings.database().urlWarning() != null) {
        // once per start, whatever the command: a team moving from the old manager sees it
        LoggerFactory.getLogger(ConfigOptions.class).warn("config: {}", settings.database().urlWarning());
      }
      return settings;
    } catch (InvalidConfigException e) {
      System.err.println(e.getMessage());
      return null;
    } catch (Exception e) {
      System.err.println("invalid configuration: " + e.getMessage());
      return null;
    }
  }
}
