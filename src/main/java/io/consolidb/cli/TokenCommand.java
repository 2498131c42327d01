package io.consolidb.cli;

import io.consolidb.cluster.CallerTokens;
import io.consolidb.cluster.CallerTokens.Role;
import io.consolidb.config.NodeSettings;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Prints a caller token for an application that calls consolidb's services over the clustered
 * event bus (docs/CLIENT.md): signed with {@code CLUSTER_SECRET}, so the application is given the
 * token, never the secret. Exit 2 without a secret.
 */
@Command(name = "token", description = "Print a caller token for an application that calls the services over the event bus.")
public final class TokenCommand implements Callable<Integer> {

  static final int MAX_DAYS = 366;

  @Mixin
  ConfigOptions config = new ConfigOptions();

  @Option(names = "--subject", required = true, paramLabel = "NAME",
      description = "Who the token is for (shown in logs), e.g. billing-service.")
  String subject;

  @Option(names = "--ttl-hours", paramLabel = "HOURS", defaultValue = "24",
      description = "How long the token is valid (default ${DEFAULT-VALUE}, at most 8784).")
  long ttlHours;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  @Override
  public Integer call() {
    NodeSettings settings = config.load(Map.of());
    if (settings == null) {
      return ConfigOptions.INVALID_CONFIG;
    }
    if (settings.cluster().secret().isEmpty()) {
      err.println("token: CLUSTER_SECRET is not set: there is nothing to sign the token with");
      return ConfigOptions.INVALID_CONFIG;
    }
    if (ttlHours < 1 || ttlHours > MAX_DAYS * 24L || subject.isBlank()) {
      err.println("token: --ttl-hours must be from 1 to " + MAX_DAYS * 24 + " and --subject not blank");
      return ConfigOptions.INVALID_CONFIG;
    }
    Vertx vertx = Vertx.vertx();
    try {
      out.println(new CallerTokens(vertx, settings.cluster().secret(), "token-command")
          .mint(subject.strip(), Role.CALLER, Duration.ofHours(ttlHours)));
      return 0;
    } finally {
      vertx.close();
    }
  }
}
