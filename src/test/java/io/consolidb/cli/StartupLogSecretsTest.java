package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.http.TestNode;
import io.consolidb.testsupport.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What a node really logs while it starts with secrets in its configuration, captured from the
 * root logger: the run command's own start (RunCommand.start), with PostgreSQL and Redis
 * unreachable so that the failure paths (schema retries, LISTEN, the Redis tier, health) log too.
 * No secret may appear in any message or stack trace, whether it came from a variable or from the
 * file a {@code NAME_FILE} variable names.
 */
class StartupLogSecretsTest {

  private static final String DB_PASSWORD = "Db-S3cret-4711";
  private static final String REDIS_PASSWORD = "Redis-S3cret-0815";
  private static final String API_TOKEN = "Api-S3cret-9931";
  private static final String ADMIN_TOKEN = "Admin-S3cret-1177";
  private static final String WEBHOOK_TOKEN = "Hook-S3cret-5521";
  private static final String ENTRY_TOKEN = "Entry-S3cret-6408";
  private static final String CLUSTER_SECRET = "Cluster-S3cret-2690-5d1f8a3c7e9b0d2f";
  private static final List<String> SECRETS =
      List.of(DB_PASSWORD, REDIS_PASSWORD, API_TOKEN, ADMIN_TOKEN, WEBHOOK_TOKEN, ENTRY_TOKEN, CLUSTER_SECRET);

  /** The variables that carry a secret, by name. */
  private static Map<String, String> secretVariables() {
    return Map.of(
        "DATABASE_URL", "postgresql://consolidb:" + DB_PASSWORD + "@127.0.0.1:1/consolidb",
        "REDIS_URL", "redis://:" + REDIS_PASSWORD + "@127.0.0.1:1",
        "API_TOKEN", API_TOKEN,
        "ADMIN_TOKEN", ADMIN_TOKEN,
        "HTTP_TOKENS", "reader:users.read:" + ENTRY_TOKEN,
        "CLUSTER_SECRET", CLUSTER_SECRET,
        "HEALTH_WEBHOOK_URL", "http://127.0.0.1:1/hook?token=" + WEBHOOK_TOKEN);
  }

  @Test
  void start_withSecretsAndUnreachableDependencies_logsNoSecret() throws Exception {
    startAndSearchTheLog(secretVariables());
  }

  @Test
  void start_withSecretsReadFromFiles_logsNoSecret(@TempDir Path dir) throws Exception {
    Map<String, String> files = new HashMap<>();
    for (Map.Entry<String, String> secret : secretVariables().entrySet()) {
      // as kubectl create secret --from-file or echo leave them: with a final newline
      Path file = Files.writeString(dir.resolve(secret.getKey()), secret.getValue() + "\n");
      files.put(secret.getKey() + "_FILE", file.toString());
    }
    startAndSearchTheLog(files);
  }

  private static void startAndSearchTheLog(Map<String, String> secrets) throws Exception {
    Map<String, String> variables = new HashMap<>(secrets);
    variables.putAll(Map.of(
        "CONSOLIDB_ENV", "testing",
        "REDIS_ENABLED", "true",
        "DB_CACHE_ENABLED", "true",
        "DB_HEALTH_CHECK_INTERVAL", "0.5",
        "HTTP_HOST", "127.0.0.1",
        "HTTP_PORT", Integer.toString(TestNode.freePort())));
    NodeSettings settings = ConfigLoader.loadBlocking(variables);
    assertThat(settings.cluster().secret()).as("the secrets were read").isEqualTo(CLUSTER_SECRET);
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    RunCommand.Started started = null;
    try {
      started = RunCommand.start(settings);
      assertThat(started.node()).as("the node starts without its dependencies").isNotNull();
      // the failure paths log in the background: schema retries, LISTEN, Redis, the health rounds
      Await.until("the schema retry and a degraded health round are logged", 10_000, () -> List.copyOf(captured.list)
          .stream().anyMatch(e -> e.getFormattedMessage().contains("schema: migration failed")));
      Thread.sleep(1500); // a few more rounds of every background check
    } finally {
      if (started != null && started.node() != null) {
        started.node().stop().await(30, TimeUnit.SECONDS);
      }
      root.detachAppender(captured);
    }

    List<String> lines = List.copyOf(captured.list).stream()
        .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? ""
            : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())))
        .toList();
    assertThat(lines).as("log lines captured").hasSizeGreaterThan(5);
    assertThat(lines).anySatisfy(line -> assertThat(line).contains("effective configuration"));
    for (String secret : SECRETS) {
      assertThat(lines).as("lines containing " + secret).noneMatch(line -> line.contains(secret));
    }
  }
}
