import t from 'tap';
import { MemoryStore } from '../../../store/memory.js';
import { storeContract } from '../../helpers/store-contract.js';

storeContract(t, async () => new MemoryStore(20));
