import WorkCalendar

/// One page of a list, with the cursor that continues it when more remain.
public struct Page<Item: Sendable & Equatable & Codable>: Sendable, Equatable, Codable {
    /// The items of this page.
    public var items: [Item]
    /// Pass as `after` for the next page; `nil` when this is the last one.
    public var next: String?

    /// Creates a page.
    public init(items: [Item], next: String?) {
        self.items = items
        self.next = next
    }
}

/// What window staff search cases by; every criterion given must hold. The ID number is matched
/// exactly (and shown masked), names and phones exactly.
public struct CaseQuery: Sendable, Equatable, Codable {
    /// A case number.
    public var number: String?
    /// The applicant's name.
    public var applicantName: String?
    /// The applicant's full ID number.
    public var applicantIDNumber: String?
    /// The applicant's phone.
    public var applicantPhone: String?
    /// Submitted on or after this day.
    public var submittedFrom: CalendarDate?
    /// Submitted on or before this day.
    public var submittedThrough: CalendarDate?
    /// The case status.
    public var status: CaseStatus?
    /// A department with a sub-case in the case.
    public var department: String?

    /// Creates a query.
    public init(
        number: String? = nil, applicantName: String? = nil, applicantIDNumber: String? = nil,
        applicantPhone: String? = nil, submittedFrom: CalendarDate? = nil, submittedThrough: CalendarDate? = nil,
        status: CaseStatus? = nil, department: String? = nil
    ) {
        self.number = number
        self.applicantName = applicantName
        self.applicantIDNumber = applicantIDNumber
        self.applicantPhone = applicantPhone
        self.submittedFrom = submittedFrom
        self.submittedThrough = submittedThrough
        self.status = status
        self.department = department
    }
}

/// The largest page any list returns.
public let maximumPageSize = 500
