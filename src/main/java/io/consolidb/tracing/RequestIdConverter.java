package io.consolidb.tracing;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %requestId} in a logback pattern: {@code " req=<id>"} on a line written while a request
 * is served, nothing otherwise. Reads the id on the logging thread's Vert.x context, which is the
 * request's own for everything that runs on its behalf.
 */
public final class RequestIdConverter extends ClassicConverter {

  @Override
  public String convert(ILoggingEvent event) {
    String id = RequestId.current();
    return id == null ? "" : " req=" + id;
  }
}
