package io.consolidb.tracing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import io.consolidb.config.KnownSecrets;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One JSON object per line ({@code LOG_FORMAT=json}), for log platforms that index fields: time,
 * level, thread, logger, message, and, when written for a request, its {@code request_id} and
 * the {@code trace_id} / {@code span_id} of the span current at that moment, so a log line leads
 * to its trace. Formatted on the logging thread, where the request's Vert.x context is.
 */
public final class JsonLogLayout extends LayoutBase<ILoggingEvent> {

  @Override
  public String doLayout(ILoggingEvent event) {
    JsonObject line = new JsonObject()
        .put("time", Instant.ofEpochMilli(event.getTimeStamp()).toString())
        .put("level", event.getLevel().toString())
        .put("thread", event.getThreadName())
        .put("logger", event.getLoggerName())
        .put("message", KnownSecrets.scrub(event.getFormattedMessage()));
    String requestId = RequestId.current();
    if (requestId != null) {
      line.put("request_id", requestId);
    }
    SpanContext span = Span.current().getSpanContext();
    if (span.isValid()) {
      line.put("trace_id", span.getTraceId()).put("span_id", span.getSpanId());
    }
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      line.put("exception", KnownSecrets.scrub(ThrowableProxyUtil.asString(thrown)));
    }
    return line.encode() + CoreConstants.LINE_SEPARATOR;
  }
}
