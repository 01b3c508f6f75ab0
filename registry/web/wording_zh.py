"""The console's Chinese for every refusal, by its code: each entry is a format string over the message's parameters.

tests/web/test_wording_zh.py checks that every declared code has an entry here and that each entry only uses
parameters the code's messages carry.
"""

from __future__ import annotations

from registry.domain.messages import Code

ZH: dict[Code, str] = {
    # Looking things up
    Code.POWER_NOT_FOUND: "事项 {power} 不存在",
    Code.POWER_NOT_YET: "事项 {power} 在 {moment} 时尚不存在",
    Code.POWERS_UNKNOWN: "有的事项不存在",
    Code.DEPARTMENT_NOT_FOUND: "部门 {department} 不存在",
    Code.DEPARTMENT_UNKNOWN: "部门不存在",
    Code.DECISION_UNKNOWN: "决定文件不存在",
    Code.DECISION_NOT_FOUND: "决定文件 {decision} 不存在",
    Code.FILTER_UNKNOWN: "筛选条件中有不存在的项",
    Code.FILTER_NO_SUCH: "没有名为“{name}”的项",
    Code.USER_NOT_FOUND: "用户 {user} 不存在",
    Code.TOKEN_NOT_FOUND: "令牌 {token} 不存在",
    Code.METHOD_NOT_FOUND: "移交方式 {method} 不存在",
    Code.METHOD_UNKNOWN: "移交方式不存在",
    Code.OFFICE_UNKNOWN: "承接部门不存在",
    Code.HANDOVER_MISSING: "事项 {power} 没有交接记录",
    # Fields in general
    Code.FIELD_REQUIRED: "必填",
    Code.FIELD_TAKEN: "已被使用",
    # Access
    Code.ROLE_NOT_ALLOWED: "您的账号无权办理此项",
    Code.OTHER_DEPARTMENT: "此事项属于其他部门",
    # Versions
    Code.IF_MATCH_MISSING: "缺少版本信息，请刷新页面后重试",
    Code.IF_MATCH_WILDCARD: "缺少版本信息，请刷新页面后重试",
    Code.IF_MATCH_INVALID: "版本信息无效，请刷新页面后重试",
    Code.POWER_STALE: "事项 {power} 已被他人修改，请刷新后重试",
    Code.POWER_CHANGED_ELSEWHERE: "事项 {power} 已被他人修改，请刷新后重试",
    Code.HANDOVER_STALE: "事项 {power} 的交接已被他人修改，请刷新后重试",
    Code.HANDOVER_CHANGED_ELSEWHERE: "事项 {power} 的交接已被他人修改，请刷新后重试",
    Code.DEPARTMENT_STALE: "“{name}”的信息已被他人修改，请核对后重试",
    Code.METHOD_STALE: "移交方式“{name}”已被他人修改，请刷新后重试",
    Code.USER_STALE: "用户“{name}”已被他人修改，请刷新后重试",
    Code.CALENDAR_STALE: "{year} 年的工作日历已被他人修改，请刷新后重试",
    Code.CHANGED_ELSEWHERE: "内容已被他人修改，请刷新后重试",
    # Powers
    Code.DEPARTMENT_NOT_GUIDING: "不是市级指导(实施)部门",
    Code.DEPARTMENT_MUST_BE_GUIDING: "须为市级指导(实施)部门",
    Code.POWER_PARTIAL_NEEDS_PART: "部分下放的事项须填写下放部分",
    Code.PART_REQUIRED_WHEN_PARTIAL: "部分下放的事项须填写下放部分",
    Code.POWER_ONLY_PARTIAL_HAS_PARTS: "只有部分下放的事项才有下放部分和保留部分",
    Code.PART_EMPTY_UNLESS_PARTIAL: "全部下放的事项不填此项",
    Code.POWER_SEQ_TAKEN: "序号 {seq} 已被事项 {power} 使用",
    Code.SEQ_USED_BY: "已被事项 {power} 使用",
    Code.POWER_CONCURRENT_CLASH: "与他人同时所做的修改冲突，请刷新后重试",
    Code.POWER_REASON_REQUIRED: "请说明修改原因",
    Code.POWER_ALREADY_RETIRED: "事项 {power} 已撤销",
    Code.POWER_ALREADY_IN_FORCE: "事项 {power} 仍在施行",
    Code.ALREADY_RETIRED: "已撤销",
    Code.ALREADY_IN_FORCE: "仍在施行",
    # Reference data
    Code.DEPARTMENT_NAME_TAKEN: "已有名为“{name}”的部门",
    Code.METHOD_NAME_TAKEN: "已有名为“{name}”的移交方式",
    # Accounts and tokens
    Code.USER_DEPARTMENT_NOT_ALLOWED: "只有部门用户才属于某个部门",
    Code.DEPARTMENT_EMPTY_UNLESS_DEPARTMENT_ROLE: "非部门用户不填此项",
    Code.USER_DEPARTMENT_REQUIRED: "部门用户须指定所属部门",
    Code.REQUIRED_FOR_ROLE: "此角色必填",
    Code.PASSWORD_UNACCEPTABLE: "密码不符合要求",
    Code.PASSWORD_LENGTH: "须为 {min} 至 {max} 个字符",
    Code.USER_NAME_TAKEN: "用户“{name}”已存在",
    Code.TOKEN_EXPIRY_PAST: "到期时间已过",
    Code.MUST_BE_FUTURE: "须为将来的时间",
    Code.TOKEN_ALREADY_REVOKED: "令牌 {token} 已被撤销",
    # Handover terms
    Code.OFFICE_NOT_ZONE: "不是经开区承接机构",
    Code.OFFICE_MUST_BE_ZONE: "须为经开区承接机构",
    Code.METHOD_RETIRED: "移交方式已停用",
    Code.METHOD_NO_LONGER_OFFERED: "“{name}”已停用",
    Code.CALENDAR_UNKNOWN: "{year} 年的工作日历尚未载入，不能按工作日计算；"
                           "请管理员用 registry calendar import 导入该年的节假日安排",
    Code.CALENDAR_GIVE_DATE: "{year} 年的工作日历尚未载入（registry calendar import），请直接填写计划日期",
    Code.TERMS_FIXED: "事项已{status}，交接条件不再修改",
    Code.TERM_FIXED: "{status}时不再修改",
    Code.OFFICE_AND_METHOD_KEPT: "“{status}”的事项须保留承接部门和移交方式；如需更改，请先暂缓",
    # Handover workflow and confirmations
    Code.RECALL_DATE_ONLY: "只有收回时填写日期",
    Code.ONLY_FOR_RECALL: "只有收回时填写日期",
    Code.TRANSITION_NOT_ALLOWED: "“{current}”不能直接转为“{target}”",
    Code.TRANSITION_NOT_READY: "“{current}”转为“{target}”暂不能办理",
    Code.CONFIRM_NOT_IN_PROGRESS: "只有在“{expected}”状态下才能确认，当前为“{current}”",
    Code.TERMS_INCOMPLETE: "交接条件尚不完整，不能确认",
    Code.ALREADY_CONFIRMED_BY: "{by} 已作出“{side}”",
    Code.ALREADY_CONFIRMED: "已确认过",
    # What a transition still needs
    Code.NEEDS_OFFICE: "指定承接部门",
    Code.NEEDS_METHOD: "确定移交方式",
    Code.NEEDS_OFFICE_CONTACT: "公布承接部门的电话和地址（群众办事要用）",
    Code.NEEDS_AUTHORISATION: "需依法取得授权：请先登记授权文件",
    Code.NEEDS_EFFECTIVE_DATE: "确定生效日期",
    Code.NEEDS_HANDOVER_CONFIRMATION: "市级部门确认移交",
    Code.NEEDS_ACCEPTANCE_CONFIRMATION: "经开区确认承接",
    Code.NEEDS_CHECKLIST_ITEM: "{item}未完成",
    Code.NOT_YET_EFFECTIVE: "尚未到生效日期",
    Code.AUTHORISATION_NOT_NEEDED: "只有需依法取得授权的事项才进入此状态",
    Code.NEEDS_REASON: "请说明原因",
    # An effective date before today
    Code.EFFECTIVE_DATE_PAST: "生效日期 {date} 早于今天（{today}），请确认并说明原因",
    Code.PAST_DATE_UNCONFIRMED: "生效日期 {date} 早于今天（{today}）：如确需按此日期生效，请勾选确认并说明原因",
    Code.PAST_DATE_REASON_REQUIRED: "生效日期早于今天，请说明原因",
    # Checklist
    Code.CHECKLIST_CLOSED: "事项已{status}，交接清单不再修改",
    Code.EVIDENCE_REQUIRED: "请提供完成的依据",
    Code.EVIDENCE_REQUIRED_FIELD: "标记完成须提供文号或链接",
    Code.REOPEN_REASON_REQUIRED: "请说明重新打开的原因",
    Code.REOPEN_REASON_REQUIRED_FIELD: "重新打开须说明原因",
    # Bulk steps
    Code.BULK_REFUSED: "没有任何事项被更改：{failed} 个事项不能执行此步骤",
    # The working-day calendar
    Code.CALENDAR_ROWS_INVALID: "有 {count} 行有误，未载入任何日期",
    Code.CALENDAR_DATE_INVALID: "“{value}”不是日期（应为 YYYY-MM-DD）",
    Code.CALENDAR_KIND_INVALID: "类型须为 holiday（放假）或 workday（调休上班），不能是“{value}”",
    Code.CALENDAR_OTHER_YEAR: "{day} 不在 {year} 年内：一次只载入一年",
    Code.CALENDAR_DUPLICATE: "{day} 重复出现（首次见于 {first}）",
    Code.CALENDAR_WORKDAY_ON_WEEKDAY: "{day} 是周一至周五，本来就上班：调休上班日只能是周六或周日",
    Code.CALENDAR_NO_ROWS: "没有任何日期：一年的日历须列出放假日和调休上班日",
    Code.CALENDAR_YEAR_RANGE: "日历只收 {first} 至 {last} 年，不能是 {year} 年",
    Code.CALENDAR_REASON_REQUIRED: "请说明载入日历的原因",
    Code.CALENDAR_NEXT_YEAR_MISSING: "{year} 年的工作日历尚未载入：在载入之前，跨入 {year} 年的工作日期限无法计算。"
                                     "国务院办公厅节假日安排公布后，请用 {hint} 载入",
    # The database and its disk
    Code.DATABASE_UNAVAILABLE: "数据库暂时无法连接，请稍后再试。",
    Code.DATABASE_BUSY: "系统正忙（数据库正在处理其他修改），请稍后再试。",
    Code.DATABASE_FULL: "服务器存储空间已满，暂时无法保存任何修改，请联系系统管理员。",
    Code.DISK_LOW: "{path} 所在磁盘仅剩 {free_mib} MiB 可用空间（低于 {min_mib} MiB），请尽快清理或扩容",
    # Seeding (command line)
    Code.SEED_ANNEX_MISSING: "请先导入真实的附件数据（registry seed），合成数据由其重组而成",
    Code.SEED_ALREADY_LOADED: "{doc_number} 已导入；请先删除（registry seed --remove-synthetic）",
    Code.AUDIT_KEY_WRONG: "审计密钥不对：审计链当前使用密钥 {expected}，请恢复正确的密钥文件后重启",
    Code.AUDIT_KEY_MISSING: "缺少审计密钥（{source}）：审计链当前使用密钥 {expected}，请从备份恢复该文件后重启",
    Code.AUDIT_KEY_SAME: "新密钥与当前审计密钥相同",
}
