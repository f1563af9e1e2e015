/**
 * Ready-made {@link io.migmon.alerting.spi.AlertSink}s: {@link io.migmon.alerting.sink.SlackSink},
 * {@link io.migmon.alerting.sink.EmailSink}, {@link io.migmon.alerting.sink.PagerDutySink},
 * {@link io.migmon.alerting.sink.WebhookSink}, {@link io.migmon.alerting.sink.AlertmanagerSink} and
 * {@link io.migmon.alerting.sink.LogSink}. Each keeps its secrets out of {@code toString()}, logs and exception
 * messages.
 */
package io.migmon.alerting.sink;
