package io.consolidb.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;

/**
 * Which traces are recorded: a caller's decision (its {@code traceparent}'s sampled flag) is kept;
 * a new trace is recorded with probability {@code ratio}; probes and scrapes ({@code /health},
 * {@code /metrics}), which arrive every few seconds and say nothing about requests, never start one.
 */
final class NodeSampler implements Sampler {

  private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");

  private final Sampler decision;
  private final String description;

  NodeSampler(double ratio) {
    this.decision = Sampler.parentBased(Sampler.traceIdRatioBased(ratio));
    this.description = "NodeSampler{ratio=" + ratio + ", probes dropped}";
  }

  @Override
  public SamplingResult shouldSample(Context parent, String traceId, String name, SpanKind kind, Attributes attributes,
      List<LinkData> links) {
    String path = kind == SpanKind.SERVER ? attributes.get(URL_PATH) : null;
    if (path != null && (path.startsWith("/health") || path.startsWith("/metrics"))) {
      return SamplingResult.drop();
    }
    return decision.shouldSample(parent, traceId, name, kind, attributes, links);
  }

  @Override
  public String getDescription() {
    return description;
  }
}
