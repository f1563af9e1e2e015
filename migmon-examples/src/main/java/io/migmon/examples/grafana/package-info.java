/** Demo part of migmon-grafana: write the generated dashboards and alert rules to a folder, push to Grafana. */
package io.migmon.examples.grafana;
