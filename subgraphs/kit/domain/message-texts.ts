// What each notification template says to the person (as the SMS / app message reads), from the
// template and its variables. An unknown template still reads as something (never an error).

const TEXTS: Record<string, (v: Record<string, string>) => string> = {
  APPLICATION_ACCEPTED: (v) =>
    `【${v.regionName}医保】您的门特申请已受理，受理号${v.acceptanceNumber}，预计${v.dueDate ?? ''}前完成审核。`,
  APPLICATION_AWAITING_HOSPITAL: (v) =>
    `【${v.regionName}医保】您的门特申请已受理，受理号${v.acceptanceNumber}，待定点医疗机构${v.hospitalName ?? ''}审核备案，预计${v.dueDate ?? ''}前完成。`,
  HOSPITAL_REVIEW_CONFIRMED: (v) =>
    `【${v.regionName}医保】受理号${v.acceptanceNumber}的申请已经定点医疗机构${v.hospitalName ?? ''}审核通过并备案，预计${v.dueDate ?? ''}前完成医保审核。`,
  MATERIALS_SUPPLEMENTED: (v) =>
    `【${v.regionName}医保】受理号${v.acceptanceNumber}的补充材料已收到，预计${v.dueDate ?? ''}前完成审核。`,
  APPLICATION_WITHDRAWN: (v) => `【${v.regionName}医保】受理号${v.acceptanceNumber}的申请已撤回。`,
  APPLICATION_APPROVED: (v) => `【${v.regionName}医保】受理号${v.acceptanceNumber}的门特申请已审核通过。`,
  APPLICATION_REJECTED: (v) =>
    `【${v.regionName}医保】受理号${v.acceptanceNumber}的门特申请未通过审核${v.reason ? `：${v.reason}` : ''}。`,
  APPLICATION_SUPPLEMENT_REQUESTED: (v) =>
    `【${v.regionName}医保】受理号${v.acceptanceNumber}的申请需补充材料${v.reason ? `：${v.reason}` : ''}。`,
  FEEDBACK_REPLIED: (v) =>
    `【${v.regionName}医保】您的意见反馈（编号${v.trackingNumber ?? ''}）已答复，请在“我的记录”中查看。`,
  REMOTE_CARE_FILED: (v) =>
    `【${v.regionName}医保】您的异地就医备案已办理，居住地${v.residence ?? ''}，自${v.validFrom ?? ''}起生效。`,
};

export function messageText(template: string, vars: Record<string, string>): string {
  const text = TEXTS[template];
  return text ? text(vars) : `【${vars.regionName ?? ''}医保】您有一条新消息（${template}）。`;
}
