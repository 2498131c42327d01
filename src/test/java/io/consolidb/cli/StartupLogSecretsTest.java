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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What a node really logs while it starts with secrets in its configuration, captured from the
 * root logger: the run command's own start (RunCommand.start), with PostgreSQL and Redis
 * unreachable so that the failure paths (schema retries, LISTEN, the Redis tier, health) log too.
 * No secret may appear in any message or stack trace.
 */
class StartupLogSecretsTest {

  private static final String DB_PASSWORD = "Db-S3cret-4711";
  private static final String REDIS_PASSWORD = "Redis-S3cret-0815";
  private static final String API_TOKEN = "Api-S3cret-9931";
  private static final String ADMIN_TOKEN = "Admin-S3cret-1177";
  private static final String WEBHOOK_TOKEN = "Hook-S3cret-5521";
  private static final String ENTRY_TOKEN = "Entry-S3cret-6408";
  private static final List<String> SECRETS =
      List.of(DB_PASSWORD, REDIS_PASSWORD, API_TOKEN, ADMIN_TOKEN, WEBHOOK_TOKEN, ENTRY_TOKEN);

  @Test
  void start_withSecretsAndUnreachableDependencies_logsNoSecret() throws Exception {
    NodeSettings settings = ConfigLoader.loadBlocking(Map.ofEntries(
        Map.entry("CONSOLIDB_ENV", "testing"),
        Map.entry("DATABASE_URL", "postgresql://consolidb:" + DB_PASSWORD + "@127.0.0.1:1/consolidb"),
        Map.entry("REDIS_URL", "redis://:" + REDIS_PASSWORD + "@127.0.0.1:1"),
        Map.entry("REDIS_ENABLED", "true"),
        Map.entry("DB_CACHE_ENABLED", "true"),
        Map.entry("API_TOKEN", API_TOKEN),
        Map.entry("ADMIN_TOKEN", ADMIN_TOKEN),
        Map.entry("HTTP_TOKENS", "reader:users.read:" + ENTRY_TOKEN),
        Map.entry("HEALTH_WEBHOOK_URL", "http://127.0.0.1:1/hook?token=" + WEBHOOK_TOKEN),
        Map.entry("DB_HEALTH_CHECK_INTERVAL", "0.5"),
        Map.entry("HTTP_HOST", "127.0.0.1"),
        Map.entry("HTTP_PORT", Integer.toString(TestNode.freePort()))));
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
