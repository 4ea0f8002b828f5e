export { CyclesPage } from './cycles/cycles-page';
