export { CyclePage } from './cycles/cycle-page';
