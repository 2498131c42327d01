package io.consolidb.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import io.consolidb.config.KnownSecrets;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The node's own logback configuration (src/main/resources/logback.xml, not the tests' one),
 * loaded into a context of its own: both of its layouts scrub a known secret from the message
 * and from the stack trace, whoever logged them.
 */
class MaskedLogLayoutTest {

  private static final String DB_PASSWORD = "Layout-Db-S3cret-77";

  @Test
  void productionLayouts_scrubSecretsFromMessagesAndStackTraces() throws Exception {
    KnownSecrets.remember(new JsonObject().put("database", new JsonObject()
        .put("url", "postgresql://app:" + DB_PASSWORD + "@db.internal:5432/orders")));
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try (InputStream xml = Files.newInputStream(Path.of("src/main/resources/logback.xml"))) {
      configurator.doConfigure(xml);
    }
    // a driver's failure quoting its connection string, logged as a message argument and as the cause
    IllegalStateException driver = new IllegalStateException(
        "cannot connect to postgresql://app:" + DB_PASSWORD + "@db.internal:5432/orders");
    LoggingEvent event = new LoggingEvent(getClass().getName(), context.getLogger("io.vertx.pgclient"),
        Level.ERROR, "connect failed: {}", driver, new Object[] {driver.getMessage()});

    for (String appender : new String[] {"text", "json"}) {
      String line = layout(context, appender).doLayout(event);

      assertThat(line).as(appender).contains("connect failed", "IllegalStateException", "db.internal")
          .doesNotContain(DB_PASSWORD);
    }
    context.stop();
  }

  @SuppressWarnings("unchecked")
  private static Layout<ILoggingEvent> layout(LoggerContext context, String name) {
    OutputStreamAppender<ILoggingEvent> appender = (OutputStreamAppender<ILoggingEvent>)
        context.getLogger("consolidb.log-formats").getAppender(name);
    return ((LayoutWrappingEncoder<ILoggingEvent>) appender.getEncoder()).getLayout();
  }
}
