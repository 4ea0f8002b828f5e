// Zuora's published examples (the project's seed documents 002-004 and reference §3.2-3.4), shown in
// the OpenAPI document. test/api/seed-examples.test.ts checks they still match
// test/fixtures/zuora-examples/*.json and validate against the response schemas.

/** GET active_invoice_cycle_information (seed 002). */
export const activeInvoiceCyclesExample = {
  cycles: [
    {
      account_id: '2c92c0f96bd69165016bdccdd6ce2f29',
      invoice_id: '2c92c0f8778bf8cd017798168cb50e0b',
      payment_method_id: '2c92c0f9774f2b3e01775f6f06d87b61',
      currency: 'USD',
      status: 'Cycle Incomplete',
      current_attempt_number: 2,
      next_attempt: '2021-04-01T19:27:34.648Z',
      customer_group: 'All Remaining Customers',
      attempts: [
        {
          attempt_number: 1,
          zuora_payment_id: '2c92c0867849d42301784bc9ca076c21',
          time_of_execution: '2021-03-19T18:42:20.103Z',
          source: 'PR-00000371',
          cpr_generated: false,
          success: false,
          amount_collected: '0.0',
          action_info: {
            action: 'Retry',
          },
          retry_info: {
            next: '2021-04-01T19:27:34.648-09:00',
            criteria: 'incremental_time',
          },
          mapping_info: {
            label: 'Hard Decline',
            level: 'code',
            customer_group_id: 1,
          },
          gateway_info: {
            id: '2c92c0f85e2d19af015e3a61d8947e5d',
            code: 'insufficient_funds',
            response: 'Your card has insufficient funds.',
          },
        },
        {
          attempt_number: 2,
          zuora_payment_id: '2c92c09c7849d3c101784bce0d0a06d5',
          time_of_execution: '2021-03-19T18:52:24.137Z',
          source: 'PR-00000372',
          cpr_generated: true,
          success: false,
          amount_collected: '0.0',
          action_info: {
            action: 'Retry',
          },
          retry_info: {
            next: '2021-03-19T09:53:39.845-09:00',
            criteria: 'incremental_time',
          },
          mapping_info: {
            label: 'Hard Decline',
            level: 'code',
            customer_group_id: 1,
          },
          gateway_info: {
            id: '2c92c0f85e2d19af015e3a61d8947e5d',
            code: 'insufficient_funds',
            response: 'Your card has insufficient funds.',
          },
        },
      ],
    },
  ],
};

/** GET invoice_cycle_history (seed 003). */
export const invoiceCycleHistoryExample = {
  cycles: [
    {
      account_id: '2c92c0f96bd69165016bdcbf55ad5e62',
      invoice_id: '2c92c0fa7849b3ff01784bc5e8ee18b5',
      payment_method_id: '2c92c0f9774f2b3e01775f6cf2fb726a',
      currency: 'USD',
      status: 'Cycle Complete',
      current_attempt_number: 1,
      next_attempt: null,
      customer_group: 'Testing Group',
      attempts: [
        {
          attempt_number: 1,
          zuora_payment_id: '2c92c0867849d42301784bc9ce806c31',
          time_of_execution: '2021-04-01T19:11:21.639Z',
          source: 'PR-00000370',
          cpr_generated: false,
          success: false,
          amount_collected: '0.0',
          action_info: {
            action: 'Stop',
          },
          retry_info: {},
          mapping_info: {
            label: 'Hard Decline',
            level: 'code',
            customer_group_id: 5,
          },
          gateway_info: {
            id: '2c92c0f85e2d19af015e3a61d8947e5d',
            code: 'insufficient_funds',
            response: 'Your card has insufficient funds.',
          },
        },
      ],
    },
    {
      account_id: '2c92c0f96bd69165016bdcbf55ad5e62',
      invoice_id: '2c92c0fa7849b3ff01784bc5e8ee18b5',
      payment_method_id: '2c92c0f9774f2b3e01775f6cf2fb726a',
      currency: 'USD',
      status: 'Cycle Complete',
      current_attempt_number: 2,
      next_attempt: null,
      customer_group: 'All Remaining Customers',
      attempts: [
        {
          attempt_number: 1,
          zuora_payment_id: '2c92c0867849d42301784bc9ce806c31',
          time_of_execution: '2021-03-19T18:42:20.103Z',
          source: 'PR-00000371',
          cpr_generated: false,
          success: false,
          amount_collected: '0.0',
          action_info: {
            action: 'Retry',
          },
          retry_info: {
            next: '2021-03-19T09:43:28.670-09:00',
            criteria: 'incremental_time',
          },
          mapping_info: {
            label: 'Hard Decline',
            level: 'code',
            customer_group_id: 1,
          },
          gateway_info: {
            id: '2c92c0f85e2d19af015e3a61d8947e5d',
            code: 'insufficient_funds',
            response: 'Your card has insufficient funds.',
          },
        },
        {
          attempt_number: 2,
          zuora_payment_id: '2c92c09c7849d3c101784bcdfc010671',
          time_of_execution: '2021-03-19T18:52:24.137Z',
          source: 'PR-00000372',
          cpr_generated: true,
          success: false,
          amount_collected: '0.0',
          action_info: {
            action: 'Stop',
          },
          retry_info: {},
          mapping_info: {
            label: 'Hard Decline',
            level: 'code',
            customer_group_id: 1,
          },
          gateway_info: {
            id: '2c92c0f85e2d19af015e3a61d8947e5d',
            code: 'insufficient_funds',
            response: 'Your card has insufficient funds.',
          },
        },
      ],
    },
  ],
};

/** GET account_cycle_history (seed 004). */
export const accountCycleHistoryExample = {
  cycles: [
    {
      account_id: '2c92c0f96bd69165016bdcbf55ad5e62',
      invoice_id: '2c92c0fa7849b3ff01784bc5e8ee18b5',
      payment_method_id: '2c92c0f9774f2b3e01775f6cf2fb726a',
      currency: 'USD',
      status: 'Cycle Complete',
      current_attempt_number: 3,
      next_attempt: '2021-03-19T18:53:39.641Z',
      customer_group: 'All Remaining Customers',
      attempts: [
        {
          attempt_number: 1,
          zuora_payment_id: '2c92c0867849d42301784bc9ce806c31',
          time_of_execution: '2021-03-19T18:42:20.103Z',
          source: 'PR-00000371',
          cpr_generated: false,
          success: false,
          amount_collected: '0.0',
          action_info: {
            action: 'Retry',
          },
          retry_info: {
            next: '2021-03-19T09:43:28.670-09:00',
            criteria: 'incremental_time',
          },
          mapping_info: {
            label: 'Hard Decline',
            level: 'code',
            customer_group_id: 1,
          },
          gateway_info: {
            id: '2c92c0f85e2d19af015e3a61d8947e5d',
            code: 'insufficient_funds',
            response: 'Your card has insufficient funds.',
          },
        },
        {
          attempt_number: 2,
          zuora_payment_id: '2c92c09c7849d3c101784bcdfc010671',
          time_of_execution: '2021-03-19T18:52:24.137Z',
          source: 'PR-00000372',
          cpr_generated: true,
          success: false,
          amount_collected: '0.0',
          action_info: {
            action: 'Stop',
          },
          retry_info: {},
          mapping_info: {
            label: 'Hard Decline',
            level: 'code',
            customer_group_id: 1,
          },
          gateway_info: {
            id: '2c92c0f85e2d19af015e3a61d8947e5d',
            code: 'insufficient_funds',
            response: 'Your card has insufficient funds.',
          },
        },
      ],
    },
    {
      account_id: '2c92c0f96bd69165016bdcbf55ad5e62',
      invoice_id: '2c92c0fb78532b0f01785a38cede190a',
      payment_method_id: '2c92c0f9774f2b3e01775f6cf2fb726a',
      currency: 'USD',
      status: 'Cycle Incomplete',
      current_attempt_number: 1,
      next_attempt: '2021-03-24T19:34:20.254Z',
      customer_group: 'All Remaining Customers',
      attempts: [
        {
          attempt_number: 1,
          zuora_payment_id: '2c92c085785305e201785a51aae41969',
          time_of_execution: '2021-03-23T16:50:18.878Z',
          source: 'PR-00000376',
          cpr_generated: false,
          success: false,
          amount_collected: '0.0',
          action_info: {
            action: 'Retry',
          },
          retry_info: {
            next: '2021-03-23T07:51:30.316-09:00',
            criteria: 'incremental_time',
          },
          mapping_info: {
            label: 'Hard Decline',
            level: 'code',
            customer_group_id: 1,
          },
          gateway_info: {
            id: '2c92c0f85e2d19af015e3a61d8947e5d',
            code: 'insufficient_funds',
            response: 'Your card has insufficient funds.',
          },
        },
      ],
    },
  ],
};

/** POST execute_payments request (reference §3.2). */
export const executePaymentsRequestExample = {
  account_ids: ['2c92c0f96bd69165016bdcbf55ad5e62'],
  invoice_ids: ['2c92c0fa7853052701785a38c6622473', '2c92c0fa7849b40a01784bc5de0f760f'],
  debit_memo_ids: ['2c92c0fa7853052701785a38f3bb267f'],
};

/** The execute answer (reference §3.2). */
export const executeExample = {
  success: true,
  message: 'Payments with the following IDs enqueued for processing: [290, 291]',
};

/** The bulk execute answer (reference §3.2). */
export const executePaymentsExample = {
  success: true,
  message: 'Payments with the following IDs enqueued for processing: [100, 101, 110, 111, 121]',
};

/** The remove answer (reference §3.3). */
export const removeExample = {
  success: true,
  message: 'Payments with the following IDs have been removed from the retry cycle: [290, 291]',
};

/** Zuora's submit body (reference §3.4). */
export const submitRequestExample = {
  payment_id: '2c92c0867849d42301784bc9ce806c31',
};

/** The submit answer (reference §3.4). */
export const submitExample = {
  success: true,
  message: 'Payment entered into retry process',
};
