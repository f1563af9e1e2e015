package io.migmon.spring.boot.internal;

import io.migmon.liquibase.MigmonLiquibaseListener;
import liquibase.Liquibase;
import liquibase.integration.spring.Customizer;
import liquibase.integration.spring.SpringLiquibase;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Attaches the {@link MigmonLiquibaseListener} bean to every {@link SpringLiquibase} before it runs, keeping any
 * customizer the application set (it runs first). Boot's SpringLiquibase has no update-level hook, so Liquibase is
 * recorded per changeset.
 */
public final class LiquibaseListenerAttacher implements BeanPostProcessor {

    private final ObjectProvider<MigmonLiquibaseListener> listener;

    public LiquibaseListenerAttacher(ObjectProvider<MigmonLiquibaseListener> listener) {
        this.listener = listener;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof SpringLiquibase liquibase) {
            Customizer<Liquibase> previous = liquibase.getCustomizer();
            liquibase.setCustomizer(lb -> {
                if (previous != null) {
                    previous.customize(lb);
                }
                MigmonLiquibaseListener l = listener.getIfAvailable();
                if (l != null) {
                    lb.setChangeExecListener(l);
                }
            });
        }
        return bean;
    }
}
