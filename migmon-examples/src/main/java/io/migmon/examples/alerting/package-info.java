/** The alerting part of the demo: a dispatcher printing alerts to the console and, optionally, to a webhook. */
package io.migmon.examples.alerting;
