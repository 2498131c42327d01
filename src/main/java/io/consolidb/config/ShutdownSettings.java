package io.consolidb.config;

/**
 * What a node does on SIGTERM: readiness answers 503 at once, the node keeps serving for
 * {@code drainSeconds} (so load balancers and Kubernetes endpoints stop sending to it; match the
 * pod's preStop and grace period), then unregisters its services, lets in-flight calls finish
 * and stops within {@code timeoutSeconds} more (a stop that overruns it exits 1).
 */
public record ShutdownSettings(double drainSeconds, double timeoutSeconds) {

  static ShutdownSettings fromJson(ConfigSection shutdown) {
    double drain = shutdown.nonNegative("drainSeconds", 5);
    double timeout = shutdown.positive("timeoutSeconds", 30);
    if (drain >= timeout) {
      throw shutdown.invalid("drainSeconds", drain, "must be shorter than shutdown.timeoutSeconds (" + timeout + ")");
    }
    return new ShutdownSettings(drain, timeout);
  }
}
