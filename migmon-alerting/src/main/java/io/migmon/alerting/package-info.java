/** AlertSink SPI and an embedded dispatcher with dedup, grouping, repeat, resolve, inhibition and flap suppression; Slack, email, PagerDuty, webhook and Alertmanager sinks. */
package io.migmon.alerting;
