/** Implementation details of migmon-liquibase; not API, may change without notice. */
package io.migmon.liquibase.internal;
