package io.consolidb.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Loads the layered configuration with vertx-config: {@code conf/default.yaml}, then
 * {@code conf/<env>.yaml}, then environment variables, then system properties (later wins); each
 * variable may instead name a file holding its value ({@code NAME_FILE}, {@link VariableFiles}).
 * The conf directory is {@code CONSOLIDB_CONF_DIR} (default {@code conf}); files missing on disk
 * are read from the copies packaged in the jar.
 */
public final class ConfigLoader {

  public static final String ENV_VARIABLE = "CONSOLIDB_ENV";
  public static final String CONF_DIR_VARIABLE = "CONSOLIDB_CONF_DIR";

  private ConfigLoader() {
  }

  /** Environment variables overlaid with system properties of the same names. */
  public static Map<String, String> processVariables() {
    Map<String, String> variables = new HashMap<>(System.getenv());
    System.getProperties().forEach((k, v) -> variables.put(k.toString(), v.toString()));
    return variables;
  }

  /**
   * Loads and validates; fails with {@link InvalidConfigException} on an impossible value. The
   * {@code NAME_FILE} files are read on a worker thread, so a caller on an event loop never blocks.
   */
  public static Future<NodeSettings> load(Vertx vertx, Map<String, String> variables) {
    Environment environment;
    try {
      environment = Environment.parse(variables.get(ENV_VARIABLE));
    } catch (InvalidConfigException e) {
      return Future.failedFuture(e);
    }
    Map<String, String> copy = new HashMap<>(variables); // read on a worker thread
    return vertx.executeBlocking(() -> overrides(copy))
        .compose(overrides -> retrieve(vertx, environment, copy, overrides));
  }

  private static Future<NodeSettings> retrieve(Vertx vertx, Environment environment, Map<String, String> variables,
      JsonObject overrides) {
    String dir = variables.getOrDefault(CONF_DIR_VARIABLE, "conf");
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
        .setScanPeriod(0)
        .addStore(yaml(dir + "/default.yaml", false))
        .addStore(yaml(dir + "/" + environment.fileName() + ".yaml", false))
        .addStore(new ConfigStoreOptions().setType("json").setConfig(overrides));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .andThen(ignored -> retriever.close())
        .map(json -> {
          // before validation: a refused setting's error may quote a secret it did not recognise
          KnownSecrets.remember(json);
          return NodeSettings.fromJson(environment, json.put("environment", environment.fileName()));
        });
  }

  /**
   * Loads from a caller thread (not an event loop) on a short-lived Vert.x instance: what the
   * command line and tests use before the node's own Vert.x exists.
   */
  public static NodeSettings loadBlocking(Map<String, String> variables) {
    Vertx vertx = Vertx.vertx();
    try {
      return load(vertx, variables).await(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the configuration was not read within 30 s", e);
    } finally {
      vertx.close();
    }
  }

  /**
   * The variables consolidb knows, turned into a JSON tree of overrides; a {@code NAME_FILE}'s
   * file is read here (blocking).
   */
  static JsonObject overrides(Map<String, String> variables) {
    JsonObject overrides = new JsonObject();
    for (ConfigVariable variable : ConfigVariable.ALL) {
      String file = VariableFiles.path(variable, variables);
      if (file == null) {
        String value = variables.get(variable.name());
        if (value != null) {
          variable.applyTo(overrides, value);
        }
        continue;
      }
      String content = VariableFiles.read(variable, file);
      try {
        variable.applyTo(overrides, content);
      } catch (InvalidConfigException e) {
        // named by the file, not by its content: the operator looks for NAME_FILE, not NAME
        throw VariableFiles.invalid(variable, file, "the file's content " + e.reason());
      }
    }
    return overrides;
  }

  private static ConfigStoreOptions yaml(String path, boolean optional) {
    return new ConfigStoreOptions().setType("file").setFormat("yaml").setOptional(optional)
        .setConfig(new JsonObject().put("path", path));
  }
}
