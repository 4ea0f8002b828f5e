export { RulesPage } from './rules/rules-page';
